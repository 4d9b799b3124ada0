from tests.disclosures.conftest import publish

L = "/api/v1/disclosures"


class TestSearch:
    async def test_two_character_word_is_found_and_highlighted(self, client, team):
        await publish(client, team, title="关于机关食堂延长供应时间的通知", body_html="<p>晚餐延长至19:30。</p>")
        await publish(client, team, title="办公用房调整公告", body_html="<p>无关内容</p>")
        r = await client.get(L, params={"q": "食堂"})
        items = r.json()["items"]
        assert [i["title"] for i in items] == ["关于机关食堂延长供应时间的通知"]
        assert items[0]["title_html"] == "关于机关<mark>食堂</mark>延长供应时间的通知"

    async def test_word_in_body_finds_with_snippet(self, client, team):
        await publish(client, team, title="通知", body_html="<p>开展<b>节能</b>宣传周活动</p>")
        items = (await client.get(L, params={"q": "节能宣传"})).json()["items"]
        assert len(items) == 1
        assert "<mark>节能宣传</mark>" in items[0]["snippet_html"]

    async def test_words_must_be_contiguous_in_bigrams(self, client, team):
        await publish(client, team, title="机关食堂")
        assert (await client.get(L, params={"q": "关食"})).json()["items"] != []
        assert (await client.get(L, params={"q": "食关"})).json()["items"] == []

    async def test_single_character_query(self, client, team):
        await publish(client, team, title="水电报修服务指南")
        assert len((await client.get(L, params={"q": "电"})).json()["items"]) == 1

    async def test_doc_no_and_index_no_and_ascii(self, client, team):
        v = await publish(client, team, title="关于印发办法的通知", doc_no="某机管发〔2026〕12号",
                          body_html="<p>WiFi 覆盖</p>")
        assert len((await client.get(L, params={"q": "2026〕12"})).json()["items"]) == 1
        assert len((await client.get(L, params={"q": v["index_no"]})).json()["items"]) == 1
        assert len((await client.get(L, params={"q": "wifi"})).json()["items"]) == 1

    async def test_highlight_escapes_html(self, client, team):
        await publish(client, team, title="<b>公告</b> 食堂")
        item = (await client.get(L, params={"q": "食堂"})).json()["items"][0]
        assert item["title_html"] == "&lt;b&gt;公告&lt;/b&gt; <mark>食堂</mark>"

    async def test_retracted_items_are_not_found(self, client, team):
        v = await publish(client, team, title="撤回测试食堂")
        await client.post(f"{L}/{v['disclosure_id']}/retract", json={"reason": "错误"}, headers=team.h(team.reviewer))
        assert (await client.get(L, params={"q": "食堂"})).json()["items"] == []

    async def test_query_of_punctuation_only_finds_nothing(self, client, team):
        await publish(client, team)
        r = await client.get(L, params={"q": "\"'*()"})
        assert r.status_code == 200
        assert r.json()["items"] == []

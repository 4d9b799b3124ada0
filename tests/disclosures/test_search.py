from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from api.disclosures.models import Disclosure
from api.disclosures.states import DisclosureStatus
from api.search.tokenizer import index_text
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


async def _load(session, team, n: int, title: str = "机关工作动态", body: str = "", doc_no: str | None = None,
                start: int = 0) -> list[int]:
    """n published items straight into the table (the search index follows by trigger or generated column),
    oldest first: publishing each through the workflow would take a minute for the paging tests."""
    now = datetime.now(UTC)
    rows = []
    for i in range(start, start + n):
        published = now - timedelta(days=400) + timedelta(minutes=i)
        rows.append(dict(
            index_no=f"BG/T-{i:05d}", status=DisclosureStatus.published, column_id=team.column.id,
            publisher_id=team.unit.id, title=f"{title}（{i}）", summary="", body_html=f"<p>{body}</p>",
            doc_no=doc_no, published_at=published, first_published_at=published, updated_at=published,
            version_no=1, search_text=index_text(title, title, body, doc_no, f"BG/T-{i:05d}")))
    ids = (await session.execute(insert(Disclosure).returning(Disclosure.id), rows)).scalars().all()
    await session.flush()
    return list(ids)


async def _every_page(client, params: dict, limit: int = 40) -> tuple[list[int], list[dict]]:
    ids: list[int] = []
    pages: list[dict] = []
    cursor = None
    while True:
        page = (await client.get(L, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}))
        assert page.status_code == 200, page.text
        body = page.json()
        pages.append(body)
        ids += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return ids, pages


class TestSearchPaging:
    async def test_pages_through_every_match_with_an_exact_total(self, client, session, team):
        expected = await _load(session, team, 165)
        ids, pages = await _every_page(client, {"q": "工作"})
        assert sorted(ids) == sorted(expected)
        assert {(p["total"], p["total_exact"]) for p in pages} == {(165, True)}

    async def test_paging_stays_stable_while_new_items_are_published(self, client, session, team):
        expected = await _load(session, team, 130)
        first = (await client.get(L, params={"q": "工作", "limit": 40})).json()
        await _load(session, team, 5, start=1000)
        rest, _ = await _every_page(client, {"q": "工作", "cursor": first["next_cursor"]})
        ids = [i["id"] for i in first["items"]] + rest
        assert len(ids) == len(set(ids))
        assert sorted(ids) == sorted(expected)

    async def test_total_beyond_the_cap_is_marked_as_a_lower_bound(self, client, session, team):
        await _load(session, team, 1005)
        body = (await client.get(L, params={"q": "工作", "limit": 5})).json()
        assert (body["total"], body["total_exact"]) == (1000, False)

    async def test_filtered_search_counts_only_the_filtered_matches(self, client, session, team):
        from tests.disclosures.conftest import create_column

        await _load(session, team, 30)
        other = await create_column(session, team.unit, "工作动态")
        team.column = other
        await _load(session, team, 7, start=500)
        body = (await client.get(L, params={"q": "工作", "column_id": other.id})).json()
        assert (body["total"], len(body["items"])) == (7, 7)

    async def test_list_without_q_has_no_total(self, client, team):
        await publish(client, team)
        body = (await client.get(L)).json()
        assert body["total"] is None and body["total_exact"] is None


class TestExactNumberFirst:
    async def test_exact_doc_no_ranks_first_even_below_the_rank_window(self, client, session, team):
        [original] = await _load(session, team, 1, title="关于印发公务接待办法的通知", doc_no="某机管发〔2026〕12号")
        await _load(session, team, 120, title="公务接待管理办法解读", body="某机管发〔2026〕12号文件解读", start=1)
        body = (await client.get(L, params={"q": "某机管发〔2026〕12号", "limit": 10})).json()
        assert body["items"][0]["id"] == original
        assert body["total"] == 121

    async def test_exact_index_no_ranks_first(self, client, session, team):
        ids = await _load(session, team, 3, title="车辆管理")
        body = (await client.get(L, params={"q": "BG/T-00001"})).json()
        assert body["items"][0]["id"] == ids[1]

    async def test_exact_match_is_not_repeated_on_later_pages(self, client, session, team):
        [original] = await _load(session, team, 1, title="原文", doc_no="某机管发〔2026〕12号")
        await _load(session, team, 120, title="解读", body="某机管发〔2026〕12号", start=1)
        ids, _ = await _every_page(client, {"q": "某机管发〔2026〕12号"}, limit=50)
        assert ids.count(original) == 1 and len(ids) == 121


class TestSynonyms:
    async def test_seeded_synonym_finds_the_official_term(self, client, team):
        await publish(client, team, title="公务用车使用管理办法")
        items = (await client.get(L, params={"q": "公车"})).json()["items"]
        assert [i["title"] for i in items] == ["公务用车使用管理办法"]
        assert items[0]["title_html"] == "<mark>公务用车</mark>使用管理办法"

    async def test_synonym_applies_inside_a_longer_word(self, client, team):
        await publish(client, team, title="公务用车改革方案")
        assert len((await client.get(L, params={"q": "公车改革"})).json()["items"]) == 1

    async def test_query_with_synonym_and_another_word_needs_both(self, client, team):
        await publish(client, team, title="公务用车使用管理办法")
        await publish(client, team, title="公务用车购置计划")
        items = (await client.get(L, params={"q": "公车 管理"})).json()["items"]
        assert [i["title"] for i in items] == ["公务用车使用管理办法"]

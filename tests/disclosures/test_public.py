import base64

from tests.disclosures.conftest import create_column, draft, publish

L = "/api/v1/disclosures"


class TestListDisclosures:
    async def test_only_published_items_are_listed(self, client, team):
        await draft(client, team, title="草稿不应出现")
        await publish(client, team, title="已发布的通知")
        titles = [i["title"] for i in (await client.get(L)).json()["items"]]
        assert titles == ["已发布的通知"]

    async def test_filters_by_column(self, client, session, team):
        other = await create_column(session, team.unit, "工作动态")
        await publish(client, team, title="通知一")
        await publish(client, team, title="动态一", column_id=other.id)
        r = await client.get(L, params={"column_id": other.id})
        assert [i["title"] for i in r.json()["items"]] == ["动态一"]
        assert r.json()["items"][0]["column"]["name"] == "工作动态"

    async def test_cursor_neither_skips_nor_repeats_while_items_are_published(self, client, team):
        for n in range(5):
            await publish(client, team, title=f"第{n}条")
        seen = []
        r = await client.get(L, params={"limit": 2})
        seen += [i["id"] for i in r.json()["items"]]
        assert 'rel="next"' in r.headers["link"]
        await publish(client, team, title="翻页途中新发布")
        cursor = r.json()["next_cursor"]
        while cursor:
            r = await client.get(L, params={"limit": 2, "cursor": cursor})
            seen += [i["id"] for i in r.json()["items"]]
            cursor = r.json()["next_cursor"]
        assert len(seen) == 5
        assert len(set(seen)) == 5

    async def test_bad_cursor_is_422(self, client):
        bad = base64.urlsafe_b64encode(b"[1]").decode().rstrip("=")
        r = await client.get(L, params={"cursor": bad})
        assert r.status_code == 422


class TestGetDisclosure:
    async def test_unpublished_item_is_404_to_public(self, client, team):
        v = await draft(client, team)
        assert (await client.get(f"{L}/{v['disclosure_id']}")).status_code == 404
        staff = await client.get(f"{L}/{v['disclosure_id']}", headers=team.h(team.reviewer))
        assert staff.json()["status"] == "unpublished"

    async def test_metadata_is_shown(self, client, team):
        v = await publish(client, team, doc_no="某机管发〔2026〕3号", written_date="2026-03-01", topic="综合政务")
        body = (await client.get(f"{L}/{v['disclosure_id']}")).json()
        assert (body["doc_no"], body["written_date"], body["topic"], body["validity"]) == (
            "某机管发〔2026〕3号", "2026-03-01", "综合政务", "valid")
        assert body["publisher"]["name"] == "办公室"
        assert body["retract_reason"] is None


class TestColumns:
    async def test_tree_with_counts(self, client, session, team):
        child = await create_column(session, team.unit, "专项通知")
        child.parent_id = team.column.id
        await session.flush()
        await publish(client, team, column_id=child.id)
        await publish(client, team)
        tree = (await client.get("/api/v1/columns")).json()
        node = next(n for n in tree if n["id"] == team.column.id)
        assert (node["item_count"], node["total_count"]) == (1, 2)
        assert node["children"][0]["item_count"] == 1
        assert node["is_stale"] is False

    async def test_counts_follow_each_publication_and_retraction(self, client, team):
        """The counts are kept while the change log stands still; every change moves it."""
        async def count() -> int:
            tree = (await client.get("/api/v1/columns")).json()
            return next(n for n in tree if n["id"] == team.column.id)["item_count"]

        first = await publish(client, team)
        assert await count() == 1
        assert await count() == 1
        await publish(client, team, title="关于第二批公开事项的通知")
        assert await count() == 2
        r = await client.post(f"/api/v1/disclosures/{first['disclosure_id']}/retract", json={"reason": "内容有误"},
                              headers=team.h(team.reviewer))
        assert r.status_code == 200, r.text
        assert await count() == 1

"""The search-token table (issue 17): the same answers as the full-text match it replaced for finding matches,
kept in step with every change to an item's search text in the same transaction."""

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, func, select, text

from api.disclosures import search as disclosure_search
from api.disclosures.models import Disclosure, DisclosureSearchToken
from api.search import service as search_service
from api.search.service import SearchTable, match_params
from api.search.tokenizer import Alternative
from tests.disclosures.conftest import create_column, publish
from tests.disclosures.test_search import _load

L = "/api/v1/disclosures"
V = "/api/v1/disclosure-versions"


async def fts_newest_ids(reader: Any, spec: SearchTable, groups: list[list[Alternative]], n: int,
                         below: int | None = None) -> list[int]:
    """The old way to the newest matches: the full-text match (FTS5 / tsvector) itself, newest first."""
    src, rid, cond, _ = search_service._match(spec, reader.dialect)
    stmt = (select(rid).select_from(src).where(cond, rid < bindparam("below", type_=Integer))
            .order_by(rid.desc()).limit(n))
    params = {**match_params(groups, reader.dialect), "below": 2**31 - 1 if below is None else below}
    return [r[0] for r in await reader.all(stmt, params)]


async def _pages(client, params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        r = await client.get(L, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        out.append(r.json())
        cursor = out[-1]["next_cursor"]
        if not cursor or len(out) > 60:
            return out


WORDS = ["机关食堂", "公务用车", "办公用房", "节能宣传", "政府采购", "WiFi覆盖", "水电报修", "中华鲟鱼"]


async def _varied(session, team) -> dict[str, int]:
    """Items in two columns, some words common, some rare, ASCII, a 文号, then a few retracted."""
    other = await create_column(session, team.unit, "政策文件")
    home = team.column
    for k in range(140):
        team.column = other if k % 3 == 0 else home
        words = [WORDS[k % 5], WORDS[(k * 7) % 8]] + (["公务用车管理办法"] if k % 11 == 0 else [])
        await _load(session, team, 1, title=f"{words[0]}情况通报", body="，".join(words) + "工作",
                    doc_no="某机管发〔2026〕12号" if k in (3, 90) else None, start=k)
    team.column = home
    stale = (await session.execute(select(Disclosure).where(Disclosure.index_no.in_(["BG/T-00005", "BG/T-00130"]))
                                   )).scalars().all()
    for d in stale:
        d.status = "retracted"
    await session.flush()
    return {"other": other.id, "home": home.id}


QUERIES = ["食堂", "机关食堂", "公车", "公车 管理", "鲟鱼", "wifi", "电", "用房 节能", "某机管发〔2026〕12号",
           "BG/T-00007", "采购公告", "无此词语", "工作"]


class TestSameAnswersAsTheFullTextMatch:
    @pytest.mark.parametrize("limit", [7, 40])
    async def test_every_page_of_varied_queries_is_identical(self, client, session, team, monkeypatch, limit):
        columns = await _varied(session, team)
        cases = [{"q": q} for q in QUERIES] + [{"q": "食堂", "column_id": columns["other"]},
                                               {"q": "工作", "column_id": columns["home"]}]
        ours = [await _pages(client, c, limit) for c in cases]
        monkeypatch.setattr(disclosure_search, "newest_ids", fts_newest_ids)
        theirs = [await _pages(client, c, limit) for c in cases]
        for case, a, b in zip(cases, ours, theirs, strict=True):
            assert a == b, case
        assert sum(len(p["items"]) for p in ours[QUERIES.index("工作")]) == 138  # the fixture is not empty

    async def test_beyond_the_total_cap_too(self, client, session, team, monkeypatch):
        await _load(session, team, 1010, title="工作动态")
        ours = (await client.get(L, params={"q": "工作", "limit": 30})).json()
        monkeypatch.setattr(disclosure_search, "newest_ids", fts_newest_ids)
        assert (await client.get(L, params={"q": "工作", "limit": 30})).json() == ours
        assert (ours["total"], ours["total_exact"]) == (1000, False)


async def _tokens(session, item_id: int) -> set[str]:
    rows = await session.execute(select(DisclosureSearchToken.token).where(DisclosureSearchToken.item_id == item_id))
    return set(rows.scalars())


async def _found(client, q: str, **params: Any) -> list[int]:
    return [i["id"] for i in (await client.get(L, params={"q": q, **params})).json()["items"]]


async def _republish(client, team, did: int, **fields: Any) -> None:
    r = await client.post(f"{L}/{did}/versions", headers=team.h(team.editor))
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    r = await client.patch(f"{V}/{vid}", json={**fields, "change_note": "修改"}, headers=team.h(team.editor))
    assert r.status_code == 200, r.text
    for user, action, body in ((team.editor, "submit", {}), (team.reviewer, "approve", {}),
                               (team.secrecy, "publish", {"confirm_personal_data": True})):
        r = await client.post(f"{V}/{vid}/{action}", json=body, headers=team.h(user))
        assert r.status_code == 200, r.text


class TestMaintenance:
    async def test_publish_writes_the_tokens_of_the_public_copy(self, client, session, team):
        did = (await publish(client, team, title="机关食堂通知", body_html="<p>节能</p>"))["disclosure_id"]
        assert {"机关", "关食", "食堂", "节能", "机", "堂"} <= await _tokens(session, did)
        assert await _found(client, "食堂") == [did]

    async def test_a_draft_has_no_tokens_until_published(self, client, session, team):
        r = await client.post(L, json={"column_id": team.column.id, "title": "草稿食堂"}, headers=team.h(team.editor))
        assert r.status_code == 201, r.text
        assert await _tokens(session, r.json()["disclosure_id"]) == set()

    async def test_an_edit_replaces_the_tokens_when_it_is_published(self, client, session, team):
        did = (await publish(client, team, title="机关食堂通知", body_html="<p>晚餐</p>"))["disclosure_id"]
        await _republish(client, team, did, title="办公用房公告", body_html="<p>调整</p>")
        tokens = await _tokens(session, did)
        assert "食堂" not in tokens and {"用房", "调整"} <= tokens
        assert await _found(client, "食堂") == [] and await _found(client, "用房") == [did]

    async def test_retracted_items_leave_the_results(self, client, session, team):
        did = (await publish(client, team, title="机关食堂通知"))["disclosure_id"]
        r = await client.post(f"{L}/{did}/retract", json={"reason": "错误"}, headers=team.h(team.reviewer))
        assert r.status_code == 200, r.text
        assert await _found(client, "食堂") == []

    async def test_an_item_moved_to_another_column_is_found_under_its_new_column(self, client, session, team):
        first = team.column
        did = (await publish(client, team, title="机关食堂通知"))["disclosure_id"]
        second = await create_column(session, team.unit, "工作动态")
        await _republish(client, team, did, column_id=second.id)
        assert await _found(client, "食堂", column_id=second.id) == [did]
        assert await _found(client, "食堂", column_id=first.id) == []

    async def test_deleting_a_row_removes_its_tokens(self, session, team):
        [did] = await _load(session, team, 1, title="机关食堂")
        await session.execute(Disclosure.__table__.delete().where(Disclosure.id == did))
        count = await session.scalar(select(func.count()).select_from(DisclosureSearchToken)
                                     .where(DisclosureSearchToken.item_id == did))
        assert count == 0


def _migration() -> Any:
    [path] = Path(__file__).parents[2].glob("migrations/versions/*_search_tokens.py")
    spec = importlib.util.spec_from_file_location("search_tokens_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestBackfill:
    async def test_the_migrations_backfill_writes_what_the_triggers_wrote(self, session, team):
        """Migration sr01 (and the bench's bulk load) fill the table with one statement over existing rows."""
        await _load(session, team, 30, title="机关食堂WiFi覆盖", body="中华鲟鱼，办公用房，食堂食堂")
        rows = select(DisclosureSearchToken.token, DisclosureSearchToken.item_id)
        by_trigger = set((await session.execute(rows)).all())
        assert len(by_trigger) > 30 * 10
        await session.execute(DisclosureSearchToken.__table__.delete())
        m = _migration()
        await session.execute(text(m.SQLITE_BACKFILL if session.bind.dialect.name == "sqlite"
                                   else m.POSTGRESQL_BACKFILL))
        assert set((await session.execute(rows)).all()) == by_trigger


class TestSynonymsAtQueryTime:
    async def test_a_synonym_added_after_publishing_finds_the_item_without_reindexing(self, client, session, team):
        from tests.search.test_synonyms import _admin

        did = (await publish(client, team, title="公务交通补贴发放通知"))["disclosure_id"]
        assert await _found(client, "车补") == []
        r = await client.post("/api/v1/search/synonyms", json={"term": "车补", "synonym": "公务交通补贴"},
                              headers=await _admin(session, team))
        assert r.status_code == 201, r.text
        assert await _found(client, "车补") == [did]

    async def test_the_rarest_token_leads_whatever_the_order(self, client, session, team):
        """A word held by every item AND a word held by one: found either way round, newest first."""
        await _load(session, team, 30, title="机关工作动态")
        [rare] = await _load(session, team, 1, title="机关工作动态", body="中华鲟鱼", start=100)
        await _load(session, team, 10, title="机关工作动态", start=200)
        assert await _found(client, "工作 鲟鱼") == [rare]
        assert await _found(client, "鲟鱼 工作") == [rare]

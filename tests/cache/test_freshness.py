"""A cached public page is never served after the change that affects it commits; signed-in requests are never
cached. One worker (this process), SQLite or PostgreSQL (TEST_DATABASE_URL)."""

import httpx

from api.publiccache.middleware import response_cache
from tests.cache.conftest import AdminTeam
from tests.disclosures.conftest import publish

LIST = "/api/v1/disclosures"


async def _twice(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """Read `url` twice; the second answer must come from the cache and equal the first."""
    first = await client.get(url)
    second = await client.get(url)
    assert first.status_code == second.status_code == 200, first.text
    assert second.headers["x-cache"] == "HIT", url
    assert second.content == first.content
    return second


def _titles(r: httpx.Response) -> list[str]:
    return [i["title"] for i in r.json()["items"]]


async def test_a_publish_drops_every_cached_page_before_its_response(cached: httpx.AsyncClient,
                                                                      team: AdminTeam) -> None:
    one = await publish(cached, team, title="第一条")
    item = f"{LIST}/{one['disclosure_id']}"
    by_no = await cached.get(item)
    index_url = f"{LIST}/by-index-no?index_no={by_no.json()['index_no']}"
    pages = [LIST, item, index_url, "/api/v1/columns", "/api/v1/feeds/disclosures.json",
             "/api/v1/feeds/disclosures.atom", f"{LIST}/changes?since=0"]
    for url in pages:
        await _twice(cached, url)

    await publish(cached, team, title="第二条")
    # The first read after the publish returned: never the old list, feed, change log or column count.
    r = await cached.get(LIST)
    assert r.headers["x-cache"] == "MISS"
    assert _titles(r) == ["第二条", "第一条"]
    assert "第二条" in (await cached.get("/api/v1/feeds/disclosures.json")).text
    assert "第二条" in (await cached.get("/api/v1/feeds/disclosures.atom")).text
    assert len((await cached.get(f"{LIST}/changes?since=0")).json()["items"]) == 2
    assert (await cached.get("/api/v1/columns")).headers["x-cache"] == "MISS"
    await _twice(cached, item)
    await _twice(cached, index_url)

    # A search's first page is cached like the rest, and dropped alike.
    search = f"{LIST}?q=鲟鱼"
    assert (await _twice(cached, search)).json()["items"] == []
    await publish(cached, team, title="中华鲟鱼标本入藏公告")
    assert _titles(await cached.get(search)) == ["中华鲟鱼标本入藏公告"]

    r = await cached.post(f"{LIST}/{one['disclosure_id']}/retract", json={"reason": "已另行通知"},
                          headers=team.h(team.reviewer))
    assert r.status_code == 200, r.text
    assert (await cached.get(item)).status_code == 404
    assert (await cached.get(index_url)).status_code == 404
    assert _titles(await cached.get(LIST)) == ["中华鲟鱼标本入藏公告", "第二条"]


async def test_renaming_a_column_drops_the_cached_tree(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    assert team.admin is not None
    await publish(cached, team)
    await _twice(cached, "/api/v1/columns")
    r = await cached.patch(f"/api/v1/columns/{team.column.id}", json={"name": "通知公告（新）"},
                           headers=team.h(team.admin))
    assert r.status_code == 200, r.text
    assert "通知公告（新）" in (await cached.get("/api/v1/columns")).text


async def test_a_read_that_began_before_a_change_is_not_kept(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    """A page rendered from the state before a commit must not be stored as if it were current: its stamp was
    taken before it read, and the commit moved the stamp."""
    await publish(cached, team, title="旧")
    stamp_before = response_cache.misses
    r = await cached.get(LIST)
    assert r.headers["x-cache"] == "MISS" and response_cache.misses == stamp_before + 1
    await publish(cached, team, title="新")
    assert _titles(await cached.get(LIST))[0] == "新"


async def test_signed_in_requests_are_never_cached(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    await publish(cached, team)
    held = len(response_cache)
    for headers in (team.h(team.editor), {"Cookie": "zw_refresh=anything"}):
        for _ in range(2):
            r = await cached.get(LIST, headers=headers)
            assert r.status_code == 200
            assert r.headers["x-cache"] == "BYPASS"
            assert r.headers["cache-control"] == "private, no-cache"
            assert "Authorization" in r.headers["vary"]
    assert len(response_cache) == held
    # A draft the editor sees is never what an anonymous reader is then given.
    draft = await cached.post(LIST, json={"column_id": team.column.id, "title": "草稿", "body_html": "<p>x</p>"},
                              headers=team.h(team.editor))
    assert draft.status_code == 201
    staff_view = await cached.get(f"{LIST}/{draft.json()['disclosure_id']}", headers=team.h(team.editor))
    assert staff_view.status_code == 200 and staff_view.headers["x-cache"] == "BYPASS"
    assert (await cached.get(f"{LIST}/{draft.json()['disclosure_id']}")).status_code == 404


async def test_head_is_answered_from_the_cache(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    await publish(cached, team)
    body = await _twice(cached, LIST)
    r = await cached.head(LIST)
    assert r.status_code == 200 and r.content == b"" and r.headers["x-cache"] == "HIT"
    assert r.headers["etag"] == body.headers["etag"]

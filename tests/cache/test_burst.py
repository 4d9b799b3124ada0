"""Under a burst (issue 17): concurrent misses of one page run its route once (single flight), and public reads
wait, a bounded time, while a request's write transaction is open in the worker (writes first)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from api import database
from api.database import write_gate
from api.main import app
from api.publiccache import middleware
from api.publiccache.middleware import ResponseCacheMiddleware, response_cache
from tests.cache.conftest import AdminTeam, until
from tests.disclosures.conftest import publish


def _cache_layer() -> ResponseCacheMiddleware:
    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, ResponseCacheMiddleware):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, ResponseCacheMiddleware), "the response cache is not in the app's stack"
    return layer


async def test_concurrent_misses_of_one_page_run_its_route_once(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    item = await publish(cached, team, title="关于机关食堂延长供应时间的通知")
    url = f"/api/v1/disclosures/{item['disclosure_id']}"
    response_cache.clear()
    layer = _cache_layer()
    before = layer.route_runs
    answers = await asyncio.gather(*[cached.get(url) for _ in range(20)])
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert layer.route_runs - before == 1
    assert sorted(r.headers["x-cache"] for r in answers) == ["HIT"] * 19 + ["MISS"]


async def test_misses_after_a_change_are_made_again_once(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    """A publish drops every copy; the next concurrent readers of a page still make it only once, and see it."""
    item = await publish(cached, team, title="第一条")
    url = f"/api/v1/disclosures/{item['disclosure_id']}"
    assert (await cached.get(url)).json()["title"] == "第一条"
    await _republish(cached, team, item["disclosure_id"], "第二条")
    layer = _cache_layer()
    before = layer.route_runs
    answers = await asyncio.gather(*[cached.get(url) for _ in range(10)])
    assert {r.json()["title"] for r in answers} == {"第二条"}
    assert layer.route_runs - before == 1


async def _republish(client: httpx.AsyncClient, team: AdminTeam, did: int, title: str) -> None:
    r = await client.post(f"/api/v1/disclosures/{did}/versions", headers=team.h(team.editor))
    vid = r.json()["id"]
    V = "/api/v1/disclosure-versions"
    r = await client.patch(f"{V}/{vid}", json={"title": title, "change_note": "更正"}, headers=team.h(team.editor))
    assert r.status_code == 200, r.text
    for user, action in ((team.editor, "submit"), (team.reviewer, "approve"), (team.secrecy, "publish")):
        body = {"confirm_personal_data": True} if action == "publish" else {}
        r = await client.post(f"{V}/{vid}/{action}", json=body, headers=team.h(user))
        assert r.status_code == 200, r.text


class _HeldBody:
    """A request body that arrives only when released: the write stays in progress until then."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.started.set()
        await self.release.wait()
        yield b"username=nobody&password=wrong"


async def _held_write(client: httpx.AsyncClient, body: _HeldBody) -> httpx.Response:
    return await client.post("/api/v1/auth/token", content=body,
                             headers={"content-type": "application/x-www-form-urlencoded"})


async def test_public_reads_wait_for_a_write_transaction_in_progress(
        cached: httpx.AsyncClient, team: AdminTeam, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write request's transaction holds the reads: they are parked while it is open and go on at its end."""
    monkeypatch.setattr(middleware, "WRITE_FIRST_MAX_WAIT", 60.0)
    await publish(cached, team, title="关于机关食堂延长供应时间的通知")
    assert (await cached.get("/api/v1/disclosures")).status_code == 200
    inside, release = asyncio.Event(), asyncio.Event()
    seen: list[int] = []
    real_begin = database.begin_write

    async def held_begin(session):  # the write transaction opens, then waits to be let go
        seen.append(write_gate.writing)
        await real_begin(session)
        inside.set()
        await release.wait()

    monkeypatch.setattr(database, "begin_write", held_begin)
    write = asyncio.create_task(cached.post(f"/api/v1/disclosures/{(await _any_item(cached))}/versions",
                                            headers=team.h(team.editor)))
    await inside.wait()
    assert seen == [1] and write_gate.writing == 1
    read = asyncio.create_task(cached.get("/api/v1/disclosures"))
    await until(lambda: len(write_gate._waiters) == 1, what="the read waiting for the write")
    assert not read.done()
    release.set()
    assert (await write).status_code == 201
    assert (await read).status_code == 200
    assert write_gate.writing == 0


async def _any_item(client: httpx.AsyncClient) -> int:
    return int((await client.get("/api/v1/disclosures")).json()["items"][0]["id"])


async def test_a_slow_upload_does_not_hold_public_reads(cached: httpx.AsyncClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A client still sending its body (a phone uploading) has no transaction open: reads are not parked."""
    monkeypatch.setattr(middleware, "WRITE_FIRST_MAX_WAIT", 60.0)
    assert (await cached.get("/api/v1/disclosures")).status_code == 200
    body = _HeldBody()
    write = asyncio.create_task(_held_write(cached, body))
    await body.started.wait()
    assert write_gate.writing == 0
    assert (await cached.get("/api/v1/disclosures")).status_code == 200
    body.release.set()
    assert (await write).status_code in (400, 401, 422)


async def test_a_long_write_holds_public_reads_only_for_the_bound(cached: httpx.AsyncClient, team: AdminTeam,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "WRITE_FIRST_MAX_WAIT", 0.01)
    await publish(cached, team, title="关于机关食堂延长供应时间的通知")
    assert (await cached.get("/api/v1/disclosures")).status_code == 200
    inside, release = asyncio.Event(), asyncio.Event()
    real_begin = database.begin_write

    async def held_begin(session):
        await real_begin(session)
        inside.set()
        await release.wait()

    monkeypatch.setattr(database, "begin_write", held_begin)
    write = asyncio.create_task(cached.post(f"/api/v1/disclosures/{(await _any_item(cached))}/versions",
                                            headers=team.h(team.editor)))
    await inside.wait()
    assert (await cached.get("/api/v1/disclosures")).status_code == 200  # while the write is still held
    assert not write.done() and write_gate.writing == 1
    release.set()
    assert (await write).status_code == 201

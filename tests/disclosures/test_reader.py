"""The public catalogue read outside the ORM session (api.database.Reader), with real commits: on SQLite its
quick statements run inline through a read-only connection of their own, which must still see every commit."""

import asyncio
import sqlite3

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import api.database as database
from api.auth.models import Role
from api.disclosures import service as disclosures
from api.disclosures.models import DisclosureFeedHead
from tests.conftest import DATABASE_URL
from tests.disclosures.conftest import Team, create_column, publish
from tests.factories import create_org_unit, create_user


async def _committed_team(engine: AsyncEngine) -> Team:
    async with AsyncSession(engine, expire_on_commit=False) as s:
        root = await create_org_unit(s, code="AG")
        unit = await create_org_unit(s, "办公室", parent=root, code="BG")
        column = await create_column(s, unit)
        team = Team(unit, column, await create_user(s, unit, [Role.editor]),
                    await create_user(s, unit, [Role.reviewer]), await create_user(s, unit, [Role.secrecy_officer]))
        await s.commit()
    for user in (team.editor, team.reviewer, team.secrecy):
        team.h(user)
    return team


@pytest.fixture
def inline_statements(engine: AsyncEngine):
    """Statements run by the inline SQLite connection (None on PostgreSQL, where there is none)."""
    if engine.dialect.name != "sqlite":
        yield None
        return
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    state = {"listening": None}

    def attach() -> list[str]:  # call after a request: the app builds its reader on the first one
        inline = database._reader._inline if database._reader else None
        assert inline is not None, "SQLite reads should have an inline engine"
        if state["listening"] is None:
            event.listen(inline, "before_cursor_execute", count)
            state["listening"] = inline
        return seen

    yield attach
    if state["listening"] is not None:
        event.remove(state["listening"], "before_cursor_execute", count)


async def test_pages_feeds_and_304_see_each_commit(committing_client, engine, inline_statements):
    team = await _committed_team(engine)
    titles = ["关于调整机关食堂供应时间的通知", "关于开展节能宣传周活动的通知", "关于车辆出入证年审的通知"]
    for title in titles:
        await publish(committing_client, team, title=title)

    first = await committing_client.get("/api/v1/disclosures", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [i["title"] for i in page["items"]] == titles[:0:-1]
    assert page["next_cursor"] and 'rel="next"' in first.headers["link"]
    second = (await committing_client.get("/api/v1/disclosures",
                                          params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [i["title"] for i in second["items"]] == titles[:1] and second["next_cursor"] is None

    feed = await committing_client.get("/api/v1/feeds/disclosures.atom")
    etag = feed.headers["etag"]
    assert (await committing_client.get("/api/v1/feeds/disclosures.atom",
                                        headers={"If-None-Match": etag})).status_code == 304

    if inline_statements is not None:
        seen = inline_statements()
        before = len(seen)
        await committing_client.get("/api/v1/disclosures", params={"limit": 2})
        assert len(seen) > before, "the list page should have been read inline"

    # A commit made after the inline connection's last read is visible to its next one.
    newest = "关于发布二〇二七年度节假日值班安排的通知"
    await publish(committing_client, team, title=newest)
    assert (await committing_client.get("/api/v1/disclosures", params={"limit": 1})).json()["items"][0]["title"] \
        == newest
    changed = await committing_client.get("/api/v1/feeds/disclosures.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag and newest in changed.text

    column_page = (await committing_client.get("/api/v1/disclosures", params={"column_id": team.column.id})).json()
    assert len(column_page["items"]) == 4


async def test_inline_connection_cannot_write(committing_client, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("the inline connection exists only on SQLite")
    assert (await committing_client.get("/api/v1/disclosures")).status_code == 200
    inline = database._reader._inline if database._reader else None
    assert inline is not None
    with inline.connect() as conn, pytest.raises(OperationalError, match=r"readonly|read-only|query_only"):
        conn.exec_driver_sql("DELETE FROM disclosures")


async def test_the_kept_connection_sees_every_commit_of_another_connection(committing_client, engine):
    """The response cache reads the change head on every request through Reader.first_sql's kept connection:
    a commit made elsewhere (another process, here another connection) is seen by the very next read, and the
    kept connection cannot write either."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the inline connection exists only on SQLite")
    assert (await committing_client.get("/api/v1/disclosures")).status_code == 200
    reader = await database.get_reader()
    sql = "SELECT count(*) FROM org_units"
    before = reader.first_sql(sql)
    assert before is not None
    for n in (1, 2):
        async with AsyncSession(engine) as s:
            await create_org_unit(s, code=f"K{n}")
            await s.commit()
        assert reader.first_sql(sql) == (before[0] + n,)
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
        reader.first_sql("DELETE FROM disclosures")


async def _until(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="LISTEN/NOTIFY is PostgreSQL's")
async def test_a_worker_answers_polls_from_its_copy_until_a_change_is_notified(committing_client, engine):
    """FeedHeads: a 304 poll is served from the worker's copy of the head; a published change is notified at its
    commit and the next poll sees it; while the LISTEN connection is down, polls read the head again."""
    team = await _committed_team(engine)
    await publish(committing_client, team, title="关于调整机关食堂供应时间的通知")
    heads = disclosures.feed_heads
    heads.start(DATABASE_URL)
    try:
        await _until(lambda: heads.live)
        feed = "/api/v1/feeds/disclosures.atom"
        etag = (await committing_client.get(feed)).headers["etag"]
        # A change nobody announces is not seen: the poll was answered from the copy.
        async with engine.begin() as conn:
            await conn.execute(update(DisclosureFeedHead).values(last_seq=DisclosureFeedHead.last_seq + 100))
        assert (await committing_client.get(feed, headers={"If-None-Match": etag})).status_code == 304

        generation = heads.generation
        await publish(committing_client, team, title="关于开展节能宣传周活动的通知")
        await _until(lambda: heads.generation > generation)
        fresh = await committing_client.get(feed, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and "节能宣传周" in fresh.text
        etag = fresh.headers["etag"]

        async with engine.connect() as conn:  # the listener's connection dies
            await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE query LIKE 'LISTEN%' AND datname = current_database()"))
            await conn.commit()
        await _until(lambda: not heads.live)
        async with engine.begin() as conn:
            await conn.execute(update(DisclosureFeedHead).values(last_seq=DisclosureFeedHead.last_seq + 1))
        assert (await committing_client.get(feed, headers={"If-None-Match": etag})).status_code == 200
        await _until(lambda: heads.live)  # and it listens again
    finally:
        await heads.stop()

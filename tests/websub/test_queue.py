"""WebSub through the job queue, end to end: the API commits the outbox rows, and the queue performs them
(procrastinate workers on PostgreSQL, the in-process runner on SQLite), against a subscriber server the test
starts, with the real feed rendering. Nothing is driven by hand but the clock of the conditions waited for."""

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import suppress

import pytest
from sqlalchemy import func, select, text

from api.config import get_settings
from api.database import get_sessionmaker
from api.websub import service as websub
from api.websub.models import Job, Subscription, SubscriptionState
from tests.conftest import DATABASE_URL
from tests.disclosures.conftest import Team, make_team, publish
from tests.websub.subscriber import Subscriber

TOPIC = "http://testserver/api/v1/feeds/disclosures.atom"
PG = DATABASE_URL.startswith("postgresql")


class Queue:
    """The running queue; `until` waits for a condition, nudging the relay (PostgreSQL) as its periodic task
    would every 2 s, so the test does not wait for the cron tick."""

    def __init__(self, nudge: Callable[[], Awaitable[object]] | None) -> None:
        self.nudge = nudge

    async def until(self, condition: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            if self.nudge is not None:
                await self.nudge()
            if await condition():
                return
            if loop.time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    s = Subscriber().start()
    yield s
    s.stop()


@pytest.fixture
async def queue(committing_client, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Queue]:
    from api import worker

    monkeypatch.setattr(get_settings(), "websub_backoff_seconds", 0.05)
    if not PG:
        worker.start_in_process(interval=0.05)
        try:
            yield Queue(None)
        finally:
            await worker.in_process.stop()
        return
    app = worker.make_app()
    async with app.open_async():
        await worker.ensure_schema(app)
        async with app.connector.pool.connection() as conn:  # type: ignore[attr-defined]
            await conn.execute("DELETE FROM procrastinate_jobs")
        task = asyncio.create_task(app.run_worker_async(concurrency=2, install_signal_handlers=False))
        try:
            yield Queue(worker.queue_due)
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def committed_team() -> Team:
    async with get_sessionmaker()() as session:
        team = await make_team(session)
        await session.commit()
    return team


async def subscription() -> Subscription | None:
    async with get_sessionmaker()() as session:
        return (await session.execute(select(Subscription))).scalar_one_or_none()


async def open_jobs() -> int:
    async with get_sessionmaker()() as session:
        return await websub.pending(session)


SECRET = "s3cret"


async def subscribe(client, callback: str) -> None:
    r = await client.post("/api/v1/websub", data={"hub.mode": "subscribe", "hub.topic": TOPIC,
                                                  "hub.callback": callback, "hub.secret": SECRET})
    assert r.status_code == 202


async def active(queue: Queue) -> None:
    async def is_active() -> bool:
        sub = await subscription()
        return sub is not None and sub.state == SubscriptionState.active
    await queue.until(is_active)


class TestThroughTheQueue:
    async def test_verified_then_a_publish_is_pushed_signed(self, committing_client, queue, subscriber):
        await subscribe(committing_client, subscriber.url)
        await active(queue)
        assert subscriber.verifications[0]["hub.mode"] == "subscribe"
        team = await committed_team()
        await publish(committing_client, team, title="关于调整机关车辆出入证办理时间的通知")

        async def pushed() -> bool:
            return any("车辆出入证".encode() in d.body for d in subscriber.deliveries)
        await queue.until(pushed)
        d = next(d for d in subscriber.deliveries if "车辆出入证".encode() in d.body)
        assert d.headers["content-type"].startswith("application/atom+xml")
        assert d.headers["x-hub-signature"] == "sha256=" + hmac.new(SECRET.encode(), d.body, hashlib.sha256).hexdigest()
        await queue.until(lambda: _zero(open_jobs))
        async with get_sessionmaker()() as session:
            outcomes = set((await session.execute(select(Job.outcome).where(Job.kind == "deliver"))).scalars())
        assert outcomes <= {"delivered", "merged"} and "delivered" in outcomes
        if PG:  # performed by procrastinate's workers, one job per outbox row
            async with get_sessionmaker()() as session:
                done = (await session.execute(text(
                    "SELECT count(*) FROM procrastinate.procrastinate_jobs "
                    "WHERE task_name = 'portal:websub' AND status = 'succeeded'"))).scalar_one()
            assert done >= 2  # the verification and at least one delivery

    async def test_a_subscriber_that_keeps_failing_is_expired_and_told_nothing_more(self, committing_client,
                                                                                    queue, subscriber):
        await subscribe(committing_client, subscriber.url)
        await active(queue)
        subscriber.delivery_status = 503
        team = await committed_team()
        await publish(committing_client, team)

        async def expired() -> bool:
            sub = await subscription()
            return sub is not None and sub.state == SubscriptionState.expired
        await queue.until(expired)
        assert len(subscriber.deliveries) == websub.MAX_ATTEMPTS  # retried with backoff, then dead-lettered
        async with get_sessionmaker()() as session:
            attempts = (await session.execute(select(func.sum(Job.attempts)).where(Job.kind == "deliver"))).scalar()
            assert attempts == websub.MAX_ATTEMPTS
            assert (await session.execute(select(Job.outcome).where(Job.kind == "deliver")
                                          .order_by(Job.id.desc()).limit(1))).scalar() in ("failed", "merged")
        await publish(committing_client, team, title="第二条")
        assert await open_jobs() == 0  # the publish queued nothing for it
        await queue.until(lambda: _zero(open_jobs))
        assert len(subscriber.deliveries) == websub.MAX_ATTEMPTS


class TestFilteredTopicThroughTheQueue:
    async def test_a_columns_feed_gets_its_own_items_rendered_with_the_filter(self, committing_client, queue,
                                                                              subscriber):
        from tests.disclosures.conftest import create_column

        async with get_sessionmaker()() as session:
            team = await make_team(session)
            other = await create_column(session, team.unit, name="人事信息")
            column_id, other_id = team.column.id, other.id
            await session.commit()
        elsewhere = Subscriber().start()
        try:
            mine = f"http://testserver/api/v1/feeds/disclosures.json?column_id={column_id}"
            for callback, topic in ((subscriber.url, mine),
                                    (elsewhere.url, f"http://testserver/api/v1/feeds/disclosures.json?column_id={other_id}")):
                r = await committing_client.post("/api/v1/websub", data={
                    "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback})
                assert r.status_code == 202

            async def both_active() -> bool:
                async with get_sessionmaker()() as session:
                    return len((await session.execute(select(Subscription).where(
                        Subscription.state == SubscriptionState.active))).all()) == 2
            await queue.until(both_active)
            await publish(committing_client, team, title="关于公布机关事务管理局年度预算的通知")

            async def pushed() -> bool:
                return bool(subscriber.deliveries)
            await queue.until(pushed)
            await queue.until(lambda: _zero(open_jobs))
            feed = json.loads(subscriber.deliveries[0].body)
            assert feed["feed_url"] == mine
            assert [item["title"] for item in feed["items"]] == ["关于公布机关事务管理局年度预算的通知"]
            assert elsewhere.deliveries == []
        finally:
            elsewhere.stop()


async def _zero(count: Callable[[], Awaitable[int]]) -> bool:
    return await count() == 0

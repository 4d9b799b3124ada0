"""The WebSub hub: intent verification, leases, signed delivery, retries and expiry, against a subscriber
server the test starts."""

import hashlib
import hmac
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import get_reader, utcnow
from api.websub import service as websub
from api.websub.models import Job, Subscription, SubscriptionState
from tests.disclosures.conftest import Team, publish
from tests.websub.subscriber import Subscriber

TOPIC = "http://testserver/api/v1/feeds/disclosures.atom"
CONTENT = ("application/atom+xml; charset=utf-8", b"<feed xmlns='http://www.w3.org/2005/Atom'/>")


async def render(topic_key: str, base: str, self_url: str) -> tuple[str, bytes]:
    return CONTENT


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    s = Subscriber().start()
    yield s
    s.stop()


@pytest.fixture
async def hub(session: AsyncSession):
    """The in-process runner's step (`drain`: `attempt` on every due job, what procrastinate runs per job) on the
    test's connection (its work is rolled back with the test), with a real HTTP client; `now` moves the clock."""
    conn = await session.connection()

    @asynccontextmanager
    async def sessions() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint") as s:
            yield s

    async with httpx.AsyncClient() as http:
        async def run(now=None) -> int:
            await session.commit()
            return await websub.drain(sessions, http, render, now=now)
        yield run


SECRET = "s3cret"


async def _subscribe(client, callback: str, secret: str | None = SECRET, lease: int | None = 3600,
                     mode: str = "subscribe", topic: str = TOPIC):
    form = {"hub.mode": mode, "hub.topic": topic, "hub.callback": callback}
    if secret:
        form["hub.secret"] = secret
    if lease:
        form["hub.lease_seconds"] = str(lease)
    return await client.post("/api/v1/websub", data=form)


async def _subs(session: AsyncSession) -> list[Subscription]:
    session.expire_all()
    return list((await session.execute(select(Subscription))).scalars())


class TestDiscovery:
    async def test_feeds_advertise_the_hub(self, client):
        atom = await client.get("/api/v1/feeds/disclosures.atom")
        assert '<link rel="hub" href="http://testserver/api/v1/websub"/>' in atom.text
        assert 'rel="hub"' in atom.headers["link"] and 'rel="self"' in atom.headers["link"]
        feed = (await client.get("/api/v1/feeds/disclosures.json")).json()
        assert feed["hubs"] == [{"type": "WebSub", "url": "http://testserver/api/v1/websub"}]


class TestSubscribe:
    async def test_intent_verified_then_active_with_lease(self, client, session, subscriber, hub):
        r = await _subscribe(client, subscriber.url)
        assert r.status_code == 202
        assert await _subs(session) == []  # nothing before the subscriber confirms
        assert await hub() == 1
        v = subscriber.verifications[0]
        assert v["hub.mode"] == "subscribe" and v["hub.topic"] == TOPIC and v["hub.lease_seconds"] == "3600"
        assert v["hub.challenge"]
        [sub] = await _subs(session)
        assert sub.state == SubscriptionState.active
        assert timedelta(seconds=3590) < sub.expires_at - utcnow() <= timedelta(seconds=3600)

    async def test_callback_that_does_not_echo_the_challenge_is_not_subscribed(self, client, session, subscriber,
                                                                               hub):
        subscriber.echo_challenge = False
        await _subscribe(client, subscriber.url)
        await hub()
        assert await _subs(session) == []

    async def test_unsubscribe_is_verified_too(self, client, session, subscriber, hub):
        await _subscribe(client, subscriber.url)
        await hub()
        assert (await _subscribe(client, subscriber.url, mode="unsubscribe")).status_code == 202
        await hub()
        assert subscriber.verifications[-1]["hub.mode"] == "unsubscribe"
        [sub] = await _subs(session)
        assert sub.state == SubscriptionState.unsubscribed

    async def test_a_malformed_request_is_refused_at_once(self, client, subscriber):
        r = await _subscribe(client, subscriber.url, mode="publish")
        assert r.status_code == 400
        assert r.json()["code"] == "websub_request_refused"

    async def test_secret_of_200_bytes_is_refused(self, client, subscriber):
        assert (await _subscribe(client, subscriber.url, secret="x" * 200)).status_code == 400


class TestDenied:
    """W3C WebSub 5.2: a topic the hub does not serve is answered 202, then denied to the callback."""

    @pytest.mark.parametrize(("topic", "reason"), [
        ("http://testserver/api/v1/disclosures", "不是本站提供的订阅源"),
        ("http://testserver/api/v1/feeds/disclosures.atom?color=red", "不支持参数 color"),
        ("http://testserver/api/v1/feeds/disclosures.atom?column_id=abc", "column_id 须是正整数"),
        ("http://testserver/api/v1/feeds/disclosures.atom?column_id=1&column_id=2", "不能重复"),
        ("http://testserver/api/v1/feeds/disclosures.json?column_id=999999", "栏目 999999 不存在"),
        ("http://testserver/api/v1/feeds/disclosures.atom?publisher_id=999999", "发布机构 999999 不存在"),
        ("ftp://testserver/api/v1/feeds/disclosures.atom", "http(s)"),
    ])
    async def test_unknown_or_invalid_topic_is_denied_to_the_callback(self, client, session, subscriber, hub,
                                                                      topic, reason):
        r = await _subscribe(client, subscriber.url, topic=topic)
        assert r.status_code == 202
        assert await hub() == 1
        [denial] = subscriber.verifications
        assert denial["hub.mode"] == "denied"
        assert denial["hub.topic"] == topic
        assert reason in denial["hub.reason"]
        assert "hub.challenge" not in denial
        assert await _subs(session) == []
        assert await hub() == 0  # told once

    async def test_a_filtered_feed_of_an_existing_column_is_verified(self, client, session, subscriber, hub,
                                                                     team: Team):
        column_id = team.column.id
        topic = f"{TOPIC}?topic=%E8%B4%A2%E6%94%BF&column_id={column_id}"
        assert (await _subscribe(client, subscriber.url, topic=topic)).status_code == 202
        await hub()
        assert subscriber.verifications[0]["hub.mode"] == "subscribe"
        [sub] = await _subs(session)
        assert sub.state == SubscriptionState.active
        assert (sub.filter_column_id, sub.filter_topic, sub.filter_publisher_id) == (column_id, "财政", None)
        assert sub.topic_key == f"/api/v1/feeds/disclosures.atom?column_id={column_id}&topic=%E8%B4%A2%E6%94%BF"


class TestFilteredTopics:
    async def test_filtered_feeds_advertise_the_hub(self, client, team: Team):
        path = f"/api/v1/feeds/disclosures.atom?column_id={team.column.id}"
        atom = await client.get(path)
        assert atom.status_code == 200
        assert '<link rel="hub" href="http://testserver/api/v1/websub"/>' in atom.text
        assert f'<http://testserver{path}>; rel="self"' in atom.headers["link"]
        feed = (await client.get(f"/api/v1/feeds/disclosures.json?publisher_id={team.unit.id}")).json()
        assert feed["hubs"] == [{"type": "WebSub", "url": "http://testserver/api/v1/websub"}]

    async def test_a_publish_is_pushed_to_the_feeds_it_belongs_to_only(self, client, session, subscriber, hub,
                                                                        team: Team):
        from tests.disclosures.conftest import create_column

        other_column = await create_column(session, team.unit, name="人事信息")
        column_id, other_id = team.column.id, other_column.id
        others = Subscriber().start()
        everything = Subscriber().start()
        try:
            mine = f"{TOPIC}?column_id={column_id}"
            await _subscribe(client, subscriber.url, topic=mine)
            await _subscribe(client, others.url, topic=f"{TOPIC}?column_id={other_id}")
            await _subscribe(client, everything.url)
            assert await hub() == 3
            await publish(client, team)
            assert await hub() == 2
            assert len(subscriber.deliveries) == 1 and len(everything.deliveries) == 1
            assert others.deliveries == []
            assert f'<{mine}>; rel="self"' in subscriber.deliveries[0].headers["link"]
        finally:
            others.stop()
            everything.stop()

    async def test_an_item_that_leaves_a_filtered_feed_is_pushed_to_it(self, client, session, subscriber, hub,
                                                                       team: Team):
        column_id, unit_id = team.column.id, team.unit.id
        await _subscribe(client, subscriber.url, topic=f"{TOPIC}?column_id={column_id}&topic=%E8%B4%A2%E6%94%BF")
        await hub()
        elsewhere = websub.Facets(column_id + 1000, unit_id, "财政")
        await websub.topics_changed(session, item=elsewhere)
        assert await hub() == 0  # neither in the feed nor leaving it
        await websub.topics_changed(session, item=elsewhere,
                                    before=websub.Facets(column_id, unit_id, "财政"))
        assert await hub() == 1  # it left: the feed's tombstone is news
        await websub.topics_changed(session, item=websub.Facets(column_id, unit_id, "人事"))
        assert await hub() == 0  # the topic does not match
        assert len(subscriber.deliveries) == 1


class TestDelivery:
    async def test_publishing_delivers_signed_content(self, client, session, subscriber, hub, team: Team):
        await _subscribe(client, subscriber.url)
        await hub()
        await publish(client, team)
        assert await hub() == 1
        [d] = subscriber.deliveries
        assert d.body == CONTENT[1]
        assert d.headers["content-type"] == CONTENT[0]
        expected = "sha256=" + hmac.new(b"s3cret", d.body, hashlib.sha256).hexdigest()
        assert d.headers["x-hub-signature"] == expected
        assert '<http://testserver/api/v1/websub>; rel="hub"' in d.headers["link"]
        assert f'<{TOPIC}>; rel="self"' in d.headers["link"]

    async def test_no_secret_no_signature(self, client, session, subscriber, hub):
        await _subscribe(client, subscriber.url, secret=None)
        await hub()
        await websub.topics_changed(session)
        await hub()
        assert "x-hub-signature" not in subscriber.deliveries[0].headers

    async def test_one_push_covers_the_changes_queued_before_it(self, client, session, subscriber, hub):
        await _subscribe(client, subscriber.url)
        await hub()
        await websub.topics_changed(session)
        await websub.topics_changed(session)
        assert await hub() == 1
        assert len(subscriber.deliveries) == 1
        outcomes = sorted((await session.execute(select(Job.outcome).where(Job.kind == "deliver"))).scalars())
        assert outcomes == ["delivered", "merged"]

    async def test_expired_lease_gets_nothing(self, client, session, subscriber, hub):
        await _subscribe(client, subscriber.url, lease=300)
        await hub()
        await websub.topics_changed(session, at=utcnow() + timedelta(seconds=301))
        await hub()
        assert subscriber.deliveries == []

    async def test_failed_delivery_is_retried_with_backoff(self, client, session, subscriber, hub):
        await _subscribe(client, subscriber.url)
        await hub()
        subscriber.delivery_status = 500
        await websub.topics_changed(session)
        now = utcnow()
        await hub(now)
        assert len(subscriber.deliveries) == 1
        assert await hub(now + timedelta(seconds=5)) == 0  # not due yet
        subscriber.delivery_status = 200
        assert await hub(now + websub.backoff(1) + timedelta(seconds=1)) == 1
        assert len(subscriber.deliveries) == 2
        [job] = (await session.execute(select(Job).where(Job.kind == "deliver"))).scalars()
        await session.refresh(job)
        assert job.outcome == "delivered" and job.attempts == 2

    async def test_a_change_for_a_failing_subscriber_waits_for_its_backoff(self, client, session, subscriber, hub):
        await _subscribe(client, subscriber.url)
        await hub()
        subscriber.delivery_status = 500
        now = utcnow()
        await websub.topics_changed(session, at=now)
        assert await hub(now) == 1
        await websub.topics_changed(session, at=now)
        assert await hub(now) == 0  # neither the retry nor the new change before the backoff
        subscriber.delivery_status = 204
        assert await hub(now + websub.backoff(1) + timedelta(seconds=1)) == 1  # one push covers both
        assert len(subscriber.deliveries) == 2
        outcomes = sorted((await session.execute(select(Job.outcome).where(Job.kind == "deliver"))).scalars())
        assert outcomes == ["delivered", "merged"]

    async def test_subscriber_that_keeps_failing_is_expired_and_told_nothing_more(self, client, session,
                                                                                   subscriber, hub):
        await _subscribe(client, subscriber.url)
        await hub()
        subscriber.delivery_status = 503
        await websub.topics_changed(session)
        at = utcnow()
        for attempt in range(websub.MAX_ATTEMPTS):
            await hub(at)
            at += websub.backoff(attempt + 1) + timedelta(seconds=1)
        assert len(subscriber.deliveries) == websub.MAX_ATTEMPTS
        [sub] = await _subs(session)
        assert sub.state == SubscriptionState.expired
        await websub.topics_changed(session)
        await hub(at)
        assert len(subscriber.deliveries) == websub.MAX_ATTEMPTS


class TestRenderedContent:
    @pytest.mark.parametrize(("path", "media"), [(websub.ATOM_TOPIC, "application/atom+xml"),
                                                 (websub.JSON_TOPIC, "application/feed+json")])
    async def test_the_hub_pushes_the_feed_as_its_route_renders_it(self, engine, path, media):
        from api.disclosures import service as disclosures

        content_type, body = await disclosures.render_feed(path, "http://portal.example",
                                                           "http://portal.example" + path)
        assert content_type.startswith(media)
        assert b"http://portal.example/api/v1/websub" in body

    async def test_the_push_is_dated_by_the_change_log_not_by_a_lagging_copy(self, engine, monkeypatch):
        """The worker renders a push right after the change: its copy of the feed head may not have heard the
        change's NOTIFY yet, so the pushed feed's <updated> comes from the change log itself."""
        from api.disclosures import changelog
        from api.disclosures import service as disclosures

        monkeypatch.setattr(changelog.feed_heads, "get", lambda key: (0, datetime(2001, 1, 1, tzinfo=UTC)))
        _, body = await disclosures.render_feed(websub.ATOM_TOPIC, "http://portal.example",
                                                "http://portal.example" + websub.ATOM_TOPIC)
        assert b"<updated>2001-01-01" not in body
        _, copied = await changelog.feed_validator(await get_reader(), changelog.FeedFilter(None, None, None))
        assert copied == datetime(2001, 1, 1, tzinfo=UTC)  # the route's 304 validators may still use the copy

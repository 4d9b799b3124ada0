"""The WebSub hub (W3C WebSub, 2018) of the portal's own feeds.

- Subscribe/unsubscribe: the request is answered 202 and a `verify` job is queued; the delivery task makes the
  intent verification (GET callback with hub.mode, hub.topic, hub.challenge, hub.lease_seconds) and the
  subscription is active only when the callback echoes the challenge. A lease ends at `expires_at`.
- Publishing: `topics_changed` (called in the publishing transaction: a transactional outbox) queues a
  `deliver` job per live subscription of the topic. The task POSTs the topic's current content with
  Link rel=hub/self and, when the subscriber gave a secret, `X-Hub-Signature: sha256=<HMAC of the body>`.
- Retries: a delivery answered with anything but 2xx (or not answered) is retried with exponential backoff;
  after MAX_ATTEMPTS failures in a row the subscription is expired and its open deliveries are dropped (the
  dead letter: it is told nothing more).

The jobs table is the outbox: a row is written in the transaction that causes it, so it exists exactly when that
committed. The job queue (api/worker.py) performs each: on PostgreSQL the periodic `relay` task queues a
procrastinate `websub(job_id)` job per due row (a queueing lock per row keeps one queued), on SQLite the
in-process runner calls `drain`. Both run `attempt`: claim, perform, settle. Retries are counted per subscriber
(consecutive failures, reset by a success) with exponential backoff; one delivery renders the topic's current
content, so it takes over the subscriber's other open deliveries.
"""

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.config import get_settings
from api.database import begin_write, utcnow
from api.logs import get_logger
from api.websub.exceptions import HubRequestRefused
from api.websub.models import Job, JobKind, Subscription, SubscriptionState

log = get_logger("api.websub")

HUB_PATH = "/api/v1/websub"
ATOM_TOPIC = "/api/v1/feeds/disclosures.atom"
JSON_TOPIC = "/api/v1/feeds/disclosures.json"
TOPICS = frozenset({ATOM_TOPIC, JSON_TOPIC})
DEFAULT_LEASE = 10 * 24 * 3600
MIN_LEASE, MAX_LEASE = 300, 30 * 24 * 3600
MAX_ATTEMPTS = 5  # failures in a row; with the default backoff (10 s, 20 s, 40 s, 80 s) about 2.5 minutes
CLAIM_FOR = timedelta(seconds=60)  # a claimed job is not claimed again meanwhile (longer than TIMEOUT)
TIMEOUT = 10.0

Renderer = Callable[[str, str, str], Awaitable[tuple[str, bytes]]]
SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def topic_key(topic: str) -> str | None:
    """The feed a topic URL names (its path), when it is one of ours with no filter."""
    parts = urlsplit(topic)
    if parts.scheme not in ("http", "https") or parts.query or parts.fragment:
        return None
    return parts.path if parts.path in TOPICS else None


def _check_callback(callback: str) -> None:
    parts = urlsplit(callback)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubRequestRefused("hub.callback 必须是 http(s) 地址")


async def request(session: AsyncSession, mode: str, topic: str, callback: str, lease_seconds: int | None,
                  secret: str | None) -> None:
    """Queue the intent verification of a subscribe or unsubscribe request (answered 202 by the router)."""
    if mode not in ("subscribe", "unsubscribe"):
        raise HubRequestRefused("hub.mode 只能是 subscribe 或 unsubscribe")
    key = topic_key(topic)
    if key is None:
        raise HubRequestRefused("hub.topic 不是本站提供的订阅源（" + "、".join(sorted(TOPICS)) + "）")
    _check_callback(callback)
    if secret is not None and not 0 < len(secret.encode()) < 200:
        raise HubRequestRefused("hub.secret 须少于 200 字节")
    lease = min(MAX_LEASE, max(MIN_LEASE, lease_seconds or DEFAULT_LEASE))
    session.add(Job(kind=JobKind.verify, mode=mode, topic=topic, topic_key=key, callback=callback, secret=secret,
                    lease_seconds=lease, next_attempt_at=utcnow(), created_at=utcnow()))
    await session.flush()


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(Subscription.state == SubscriptionState.active, Subscription.expires_at > now)


async def topics_changed(session: AsyncSession, keys: frozenset[str] = TOPICS, at: datetime | None = None) -> None:
    """The feeds changed: queue a delivery to every live subscription of them (in the caller's transaction)."""
    now = at or utcnow()
    subs = (await session.execute(select(Subscription.id, Subscription.topic, Subscription.topic_key,
                                         Subscription.callback)
                                  .where(Subscription.topic_key.in_(keys), _live(now)))).all()
    for s in subs:
        session.add(Job(kind=JobKind.deliver, topic=s.topic, topic_key=s.topic_key, callback=s.callback,
                        subscription_id=s.id, next_attempt_at=now, created_at=now))
    if subs:
        await session.flush()


# ---- the deliveries (one job each: procrastinate on PostgreSQL, the in-process runner on SQLite) ----------

@dataclass
class Result:
    job_id: int
    outcome: str | None  # None: retry later
    error: str | None = None


def backoff(failures: int) -> timedelta:
    """The wait after a subscriber's `failures`-th failure in a row: the base, doubled each time."""
    return timedelta(seconds=get_settings().websub_backoff_seconds * 2 ** max(0, failures - 1))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _hub_url(topic: str) -> str:
    parts = urlsplit(topic)
    return f"{parts.scheme}://{parts.netloc}{HUB_PATH}"


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": "zhengwu-portal-websub-hub"})


async def _verify(http: httpx.AsyncClient, job: Job) -> Result:
    challenge = secrets.token_urlsafe(24)
    params = {"hub.mode": job.mode or "", "hub.topic": job.topic, "hub.challenge": challenge}
    if job.mode == "subscribe":
        params["hub.lease_seconds"] = str(job.lease_seconds)
    try:
        r = await http.get(job.callback, params=params, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return Result(job.id, "refused", f"{type(exc).__name__}")
    if r.is_success and r.text.strip() == challenge:
        return Result(job.id, "verified")
    echoed = "echoed" if challenge in r.text else "missing"
    return Result(job.id, "refused", f"HTTP {r.status_code}, challenge {echoed}")


async def _deliver(http: httpx.AsyncClient, job: Job, secret: str | None, content: tuple[str, bytes]) -> Result:
    content_type, body = content
    headers = {"Content-Type": content_type,
               "Link": f'<{_hub_url(job.topic)}>; rel="hub", <{job.topic}>; rel="self"'}
    if secret:
        headers["X-Hub-Signature"] = signature(secret, body)
    try:
        r = await http.post(job.callback, content=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return Result(job.id, None, type(exc).__name__)
    return Result(job.id, "delivered") if r.is_success else Result(job.id, None, f"HTTP {r.status_code}")


def _open(now: datetime) -> ColumnElement[bool]:
    return and_(Job.done_at.is_(None), Job.next_attempt_at <= now)


async def due(session: AsyncSession, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Jobs whose next attempt is due (new, or a retry whose backoff has passed), oldest first."""
    stmt = select(Job.id).where(_open(now or utcnow())).order_by(Job.next_attempt_at, Job.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def _claim(sessions: SessionFactory, job_id: int, now: datetime) -> tuple[Job, str | None] | None:
    """Take the job for CLAIM_FOR (a second worker given the same id meanwhile finds it not due), in a short
    transaction. A delivery carries the subscriber's secret, and takes over the subscriber's other open
    deliveries: it renders the topic's content when it runs, which covers their changes too."""
    async with sessions() as session:
        await begin_write(session)
        stmt = select(Job).where(Job.id == job_id, _open(now))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        job = (await session.execute(stmt)).scalar_one_or_none()
        if job is None:
            return None
        secret = None
        if job.kind == JobKind.deliver:
            sub = (await session.execute(select(Subscription.secret).where(
                Subscription.id == job.subscription_id, _live(now)))).first()
            if sub is None:
                job.done_at, job.outcome, job.last_error = now, "skipped", "subscription not live"
                await session.commit()
                return None
            secret = sub.secret
            await session.execute(update(Job).where(
                Job.subscription_id == job.subscription_id, Job.kind == JobKind.deliver, Job.done_at.is_(None),
                Job.id != job.id).values(done_at=now, outcome="merged", last_error=f"delivered by job {job.id}"))
        job.next_attempt_at = now + CLAIM_FOR
        await session.commit()
        return job, secret


async def attempt(sessions: SessionFactory, http: httpx.AsyncClient, render: Renderer, job_id: int,
                  now: datetime | None = None) -> str | None:
    """One attempt at one job: claim it (short transaction), perform it (no transaction held: a slow callback
    blocks no writer), settle it. Returns the outcome ("retry" when another attempt is scheduled), or None when
    the job was not due, was done already or is held by another worker."""
    now = now or utcnow()
    claimed = await _claim(sessions, job_id, now)
    if claimed is None:
        return None
    job, secret = claimed
    if job.kind == JobKind.verify:
        result = await _verify(http, job)
    else:
        parts = urlsplit(job.topic)
        content = await render(job.topic_key, f"{parts.scheme}://{parts.netloc}", job.topic)
        result = await _deliver(http, job, secret, content)
    async with sessions() as session:
        await begin_write(session)
        outcome = await settle(session, result, now)
        await session.commit()
    return outcome


async def settle(session: AsyncSession, res: Result, now: datetime) -> str | None:
    job = await session.get_one(Job, res.job_id, populate_existing=True)
    if job.done_at is not None:  # taken over meanwhile (a subscriber expired by another delivery)
        return None
    job.attempts += 1
    job.last_error = res.error
    outcome = res.outcome
    if job.kind == JobKind.deliver and job.subscription_id is not None:
        sub = await session.get_one(Subscription, job.subscription_id, populate_existing=True)
        if outcome is None:
            sub.failures += 1
            sub.updated_at = now
            if sub.failures < MAX_ATTEMPTS:
                job.next_attempt_at = now + backoff(sub.failures)
                await session.flush()
                return "retry"
            outcome = "failed"
            await _expire(session, sub, now)
            log.warning("websub delivery kept failing; subscription expired", extra={"callback": job.callback})
        else:
            sub.failures = 0
    job.outcome, job.done_at = outcome, now
    if outcome == "verified":
        await _apply_verified(session, job, now)
    await session.flush()
    return outcome


async def _expire(session: AsyncSession, sub: Subscription, now: datetime) -> None:
    """Dead letter: the subscription ends and its open jobs are dropped (the subscriber is told nothing more)."""
    sub.state, sub.updated_at = SubscriptionState.expired, now
    await session.execute(update(Job).where(Job.subscription_id == sub.id, Job.done_at.is_(None))
                          .values(done_at=now, outcome="skipped", last_error="subscription expired"))


async def _apply_verified(session: AsyncSession, job: Job, now: datetime) -> None:
    sub = (await session.execute(select(Subscription).where(
        Subscription.topic_key == job.topic_key, Subscription.callback == job.callback))).scalar_one_or_none()
    if job.mode == "unsubscribe":
        if sub is not None:
            sub.state, sub.updated_at = SubscriptionState.unsubscribed, now
        return
    lease = job.lease_seconds or DEFAULT_LEASE
    if sub is None:
        sub = Subscription(topic=job.topic, topic_key=job.topic_key, callback=job.callback, created_at=now,
                           lease_seconds=lease, expires_at=now)
        session.add(sub)
    sub.topic, sub.secret, sub.lease_seconds = job.topic, job.secret, lease
    sub.state, sub.failures = SubscriptionState.active, 0
    sub.expires_at, sub.updated_at = now + timedelta(seconds=lease), now


async def drain(sessions: SessionFactory, http: httpx.AsyncClient, render: Renderer,
                now: datetime | None = None) -> int:
    """Attempt every due job once (the in-process runner's step on SQLite; procrastinate runs `attempt` per
    job instead). Returns how many were attempted."""
    async with sessions() as session:
        ids = await due(session, now)
    done = 0
    for job_id in ids:
        if await attempt(sessions, http, render, job_id, now) is not None:
            done += 1
    return done


async def pending(session: AsyncSession) -> int:
    return len((await session.execute(select(Job.id).where(Job.done_at.is_(None)))).all())


async def subscriptions(session: AsyncSession) -> list[Subscription]:
    return list((await session.execute(select(Subscription).order_by(Subscription.id))).scalars())

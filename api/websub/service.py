"""The WebSub hub (W3C WebSub, 2018) of the portal's own feeds.

- Subscribe/unsubscribe: the request is answered 202 and a `verify` job is queued; the delivery task makes the
  intent verification (GET callback with hub.mode, hub.topic, hub.challenge, hub.lease_seconds) and the
  subscription is active only when the callback echoes the challenge. A lease ends at `expires_at`.
- Publishing: `topics_changed` (called in the publishing transaction: a transactional outbox) queues a
  `deliver` job per live subscription of the topic. The task POSTs the topic's current content with
  Link rel=hub/self and, when the subscriber gave a secret, `X-Hub-Signature: sha256=<HMAC of the body>`.
- Retries: a delivery answered with anything but 2xx (or not answered) is retried with exponential backoff;
  after MAX_ATTEMPTS the subscription is expired and its queued deliveries are dropped (told nothing more).

The jobs table is this module's own outbox, drained by a worker-lifetime task (api/tasks.BackgroundTask). Each
job is self-contained (kind, callback, topic, secret, attempts), so moving them to a job queue means enqueuing
`perform(job)` instead of inserting the row; the claim/perform/settle split below is that seam.
"""

import asyncio
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

from api.database import begin_write, utcnow
from api.logs import get_logger
from api.tasks import BackgroundTask
from api.websub.exceptions import HubRequestRefused
from api.websub.models import Job, JobKind, Subscription, SubscriptionState

log = get_logger("api.websub")

HUB_PATH = "/api/v1/websub"
ATOM_TOPIC = "/api/v1/feeds/disclosures.atom"
JSON_TOPIC = "/api/v1/feeds/disclosures.json"
TOPICS = frozenset({ATOM_TOPIC, JSON_TOPIC})
DEFAULT_LEASE = 10 * 24 * 3600
MIN_LEASE, MAX_LEASE = 300, 30 * 24 * 3600
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=10)  # 10 s, 20 s, 40 s, 80 s: about two and a half minutes of failures
CLAIM_FOR = timedelta(seconds=60)  # a claimed job is not claimed again meanwhile (several workers)
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


# ---- the delivery task -------------------------------------------------------------------------------

@dataclass
class Result:
    job_id: int
    outcome: str | None  # None: retry later
    error: str | None = None
    secret: str | None = None


async def claim(session: AsyncSession, now: datetime, limit: int = 50) -> list[Job]:
    stmt = (select(Job).where(Job.done_at.is_(None), Job.next_attempt_at <= now).order_by(Job.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    jobs = list((await session.execute(stmt)).scalars())
    for job in jobs:
        job.next_attempt_at = now + CLAIM_FOR
    await session.flush()
    return jobs


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _hub_url(topic: str) -> str:
    parts = urlsplit(topic)
    return f"{parts.scheme}://{parts.netloc}{HUB_PATH}"


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


async def run_due(sessions: SessionFactory, http: httpx.AsyncClient, render: Renderer,
                  now: datetime | None = None) -> int:
    """Claim the due jobs (short transaction), perform them (no transaction held), settle them. Returns how
    many were performed."""
    now = now or utcnow()
    async with sessions() as session:  # a plain read first: most rounds find nothing and take no write lock
        if (await session.execute(select(Job.id).where(Job.done_at.is_(None), Job.next_attempt_at <= now)
                                  .limit(1))).first() is None:
            return 0
    async with sessions() as session:
        await begin_write(session)
        jobs = await claim(session, now)
        secrets_of = {}
        sub_ids = {j.subscription_id for j in jobs if j.subscription_id is not None}
        if sub_ids:
            rows = (await session.execute(select(Subscription.id, Subscription.secret)
                                          .where(Subscription.id.in_(sub_ids), _live(now)))).all()
            secrets_of = {r.id: r.secret for r in rows}
        await session.commit()
    results: list[Result] = []
    rendered: dict[tuple[str, str], tuple[str, bytes]] = {}
    delivered_to: set[int] = set()
    for job in jobs:
        if job.kind == JobKind.verify:
            results.append(await _verify(http, job))
            continue
        assert job.subscription_id is not None
        if job.subscription_id not in secrets_of:
            results.append(Result(job.id, "skipped", "subscription not live"))
            continue
        if job.subscription_id in delivered_to:  # one delivery of the current content covers both changes
            results.append(Result(job.id, "delivered"))
            continue
        key = (job.topic_key, job.topic)
        if key not in rendered:
            rendered[key] = await render(job.topic_key, f"{urlsplit(job.topic).scheme}://{urlsplit(job.topic).netloc}",
                                         job.topic)
        result = await _deliver(http, job, secrets_of[job.subscription_id], rendered[key])
        if result.outcome == "delivered":
            delivered_to.add(job.subscription_id)
        results.append(result)
    if results:
        async with sessions() as session:
            await begin_write(session)
            await settle(session, {j.id: j for j in jobs}, results, now)
            await session.commit()
    return len(results)


async def settle(session: AsyncSession, jobs: dict[int, Job], results: list[Result], now: datetime) -> None:
    for res in results:
        job = await session.get_one(Job, res.job_id)
        job.attempts += 1
        job.last_error = res.error
        if res.outcome is None:
            if job.attempts < MAX_ATTEMPTS:
                job.next_attempt_at = now + RETRY_BASE * (2 ** (job.attempts - 1))
                continue
            res.outcome = "failed"
            await _expire(session, job.subscription_id, now)
        job.outcome, job.done_at = res.outcome, now
        if res.outcome == "verified":
            await _apply_verified(session, job, now)
        elif res.outcome == "delivered" and job.subscription_id is not None:
            await session.execute(update(Subscription).where(Subscription.id == job.subscription_id)
                                  .values(failures=0))
        if res.outcome == "failed":
            log.warning("websub delivery failed; subscription expired", extra={"callback": job.callback})
    await session.flush()


async def _expire(session: AsyncSession, subscription_id: int | None, now: datetime) -> None:
    if subscription_id is None:
        return
    await session.execute(update(Subscription).where(Subscription.id == subscription_id)
                          .values(state=SubscriptionState.expired, failures=Subscription.failures + 1, updated_at=now))
    await session.execute(update(Job).where(Job.subscription_id == subscription_id, Job.done_at.is_(None))
                          .values(done_at=now, outcome="skipped"))


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


async def pending(session: AsyncSession) -> int:
    return len((await session.execute(select(Job.id).where(Job.done_at.is_(None)))).all())


async def subscriptions(session: AsyncSession) -> list[Subscription]:
    return list((await session.execute(select(Subscription).order_by(Subscription.id))).scalars())


POLL_EVERY = 1.0
deliverer = BackgroundTask("websub-deliverer")


async def run_forever(sessions: SessionFactory, render: Renderer, every: float = POLL_EVERY) -> None:
    async with httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": "zhengwu-portal-websub-hub"}) as http:
        while True:
            try:
                done = await run_due(sessions, http, render)
            except Exception:  # the task must outlive one bad round; it is logged
                log.exception("websub round failed")
                done = 0
            if not done:
                await asyncio.sleep(every)



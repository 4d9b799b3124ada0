"""The WebSub hub (W3C WebSub, 2018) of the portal's own feeds.

- Subscribe/unsubscribe: the request is answered 202 and a `verify` job is queued; the delivery task makes the
  intent verification (GET callback with hub.mode, hub.topic, hub.challenge, hub.lease_seconds) and the
  subscription is active only when the callback echoes the challenge. A lease ends at `expires_at`.
- Topics: the Atom and JSON feeds, unfiltered or filtered (column_id, publisher_id, topic: a column's, a
  department's or a subject's feed), keyed by path and canonical query. A request for any other topic, or for a
  column or publisher that does not exist, is answered 202 and denied to the callback (5.2: hub.mode=denied).
- Publishing: `topics_changed` (called in the publishing transaction: a transactional outbox) queues a
  `deliver` job per live subscription the change concerns (a filtered feed's when the item matches it after
  the change or matched it before). The task POSTs the topic's current content with
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
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from sqlalchemy import and_, or_, select, update
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


@dataclass(frozen=True)
class Facets:
    """What the disclosure feeds filter on (their query parameters); None: not filtered on it. A change is
    pushed to a filtered topic when the item matches it after the change or matched it before (it left: the
    feed shows a tombstone)."""

    column_id: int | None = None
    publisher_id: int | None = None
    topic: str | None = None

    def pairs(self) -> list[tuple[str, str]]:
        return [(name, str(v)) for name in FILTERS if (v := getattr(self, name)) is not None]

    def __bool__(self) -> bool:
        return bool(self.pairs())


FILTERS = ("column_id", "publisher_id", "topic")
MAX_ID = 2**31 - 1


class InvalidTopic(Exception):
    """A topic the hub does not serve; the message is the hub.reason the callback is sent."""


def key_of(path: str, facets: Facets) -> str:
    """The canonical key of a feed: its path and its filters in a fixed order (one subscription per feed and
    callback, however the subscriber ordered or spelled the query)."""
    query = urlencode(facets.pairs())
    return f"{path}?{query}" if query else path


def parse_topic(topic: str) -> tuple[str, Facets]:
    """The key and filters of a topic URL naming one of our feeds, or InvalidTopic saying why it does not."""
    parts = urlsplit(topic)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise InvalidTopic("hub.topic 须是本站订阅源的 http(s) 地址")
    if parts.path not in TOPICS:
        raise InvalidTopic("hub.topic 不是本站提供的订阅源（" + "、".join(sorted(TOPICS)) + "，可带筛选参数）")
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise InvalidTopic("hub.topic 的查询参数格式不正确") from exc
    names = [name for name, _ in pairs]
    unknown = sorted(set(names) - set(FILTERS))
    if unknown:
        raise InvalidTopic(f"订阅源不支持参数 {'、'.join(unknown)}（可用 column_id、publisher_id、topic）")
    if len(names) != len(set(names)):
        raise InvalidTopic("订阅源的筛选参数不能重复")
    values = dict(pairs)
    ids: dict[str, int | None] = {}
    for name in ("column_id", "publisher_id"):
        raw = values.get(name)
        if raw is not None and not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
            raise InvalidTopic(f"{name} 须是正整数")
        ids[name] = int(raw) if raw is not None else None
    subject = values.get("topic")
    if subject is not None and not 0 < len(subject) <= 50:
        raise InvalidTopic("topic（主题分类）须为 1 至 50 个字")
    facets = Facets(ids["column_id"], ids["publisher_id"], subject)
    return key_of(parts.path, facets), facets


def facets_of(key: str) -> Facets:
    """The filters of a canonical key (key_of's inverse)."""
    values = dict(parse_qsl(urlsplit(key).query))
    return Facets(int(values["column_id"]) if "column_id" in values else None,
                  int(values["publisher_id"]) if "publisher_id" in values else None, values.get("topic"))


# What makes a well-formed filter unknown (a column or publisher that does not exist): the disclosures domain
# registers it (a kernel does not read a domain's tables). Returns the reason, or None when the feed exists.
FacetCheck = Callable[[AsyncSession, Facets], Awaitable[str | None]]
_facet_check: FacetCheck | None = None


def register_facet_check(check: FacetCheck) -> None:
    global _facet_check
    _facet_check = check


def _check_callback(callback: str) -> None:
    parts = urlsplit(callback)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubRequestRefused("hub.callback 必须是 http(s) 地址")


async def request(session: AsyncSession, mode: str, topic: str, callback: str, lease_seconds: int | None,
                  secret: str | None) -> None:
    """Queue the intent verification of a subscribe or unsubscribe request (answered 202 by the router). A
    request for a topic the hub does not serve is answered 202 too, and denied to the callback (W3C WebSub 5.2:
    a GET with hub.mode=denied and hub.reason); a request that is malformed otherwise is refused at once."""
    if mode not in ("subscribe", "unsubscribe"):
        raise HubRequestRefused("hub.mode 只能是 subscribe 或 unsubscribe")
    _check_callback(callback)
    if secret is not None and not 0 < len(secret.encode()) < 200:
        raise HubRequestRefused("hub.secret 须少于 200 字节")
    now = utcnow()
    try:
        key, facets = parse_topic(topic)
        reason = await _facet_check(session, facets) if facets and _facet_check is not None else None
    except InvalidTopic as exc:
        key, reason = "", str(exc)
    if reason is not None:
        session.add(Job(kind=JobKind.denied, mode=mode, topic=topic, topic_key=key, callback=callback,
                        reason=reason[:300], next_attempt_at=now, created_at=now))
        await session.flush()
        return
    lease = min(MAX_LEASE, max(MIN_LEASE, lease_seconds or DEFAULT_LEASE))
    session.add(Job(kind=JobKind.verify, mode=mode, topic=topic, topic_key=key, callback=callback, secret=secret,
                    lease_seconds=lease, next_attempt_at=now, created_at=now))
    await session.flush()


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(Subscription.state == SubscriptionState.active, Subscription.expires_at > now)


def _matches(item: Facets) -> ColumnElement[bool]:
    """The subscription's filters hold for an item with these values (an unfiltered one always does)."""
    return and_(*[or_(col.is_(None), col == value) for col, value in (
        (Subscription.filter_column_id, item.column_id), (Subscription.filter_publisher_id, item.publisher_id),
        (Subscription.filter_topic, item.topic))])


async def topics_changed(session: AsyncSession, at: datetime | None = None, item: Facets | None = None,
                         before: Facets | None = None) -> None:
    """The feeds changed: queue a delivery (in the caller's transaction: the outbox) to every live subscription
    the change concerns: with `item` (the changed item's values after the change, `before` those its previous
    change left), the unfiltered feeds and the filtered ones it matches after or matched before; without, all."""
    now = at or utcnow()
    stmt = select(Subscription.id, Subscription.topic, Subscription.topic_key, Subscription.callback,
                  Subscription.failures, Subscription.updated_at).where(_live(now))
    if item is not None:
        stmt = stmt.where(or_(_matches(item), _matches(before)) if before is not None else _matches(item))
    subs = (await session.execute(stmt)).all()
    for s in subs:
        # A subscriber that is failing is not tried again before its backoff from the last failure has passed.
        due_at = max(now, s.updated_at + backoff(s.failures)) if s.failures else now
        session.add(Job(kind=JobKind.deliver, topic=s.topic, topic_key=s.topic_key, callback=s.callback,
                        subscription_id=s.id, next_attempt_at=due_at, created_at=now))
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


async def _deny(http: httpx.AsyncClient, job: Job) -> Result:
    """Tell the callback its request was denied (W3C WebSub 5.2); its answer changes nothing, so one try."""
    params = {"hub.mode": "denied", "hub.topic": job.topic, "hub.reason": job.reason or ""}
    try:
        r = await http.get(job.callback, params=params, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return Result(job.id, "denied", type(exc).__name__)
    return Result(job.id, "denied", None if r.is_success else f"HTTP {r.status_code}")


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
    elif job.kind == JobKind.denied:
        result = await _deny(http, job)
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
    facets = facets_of(job.topic_key)
    sub.filter_column_id, sub.filter_publisher_id, sub.filter_topic = (facets.column_id, facets.publisher_id,
                                                                       facets.topic)
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

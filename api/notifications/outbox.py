"""The outbox: notification rows not yet dispatched are fanned out into one Delivery per channel the user
chose, and each delivery is attempted with exponential backoff until it is sent, skipped or dead-lettered,
every attempt logged. The same functions run under procrastinate (PostgreSQL, api/worker.py) and in-process
(SQLite, api.worker.run_in_process), so a restart loses nothing: all state is in these tables.

Exactly once: on PostgreSQL the attempt holds the delivery's row lock (FOR UPDATE SKIP LOCKED) from before the
send to the commit that marks it sent, so no two workers send one delivery; the delivery id travels with the
message (SMTP Message-ID and X-Portal-Delivery, SMS OutId) for the receiver to recognise the one resend a crash
between send and commit can cause."""

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth.models import User
from api.config import get_settings
from api.database import begin_write, utcnow
from api.notifications import channels
from api.notifications.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
)

log = logging.getLogger(__name__)
OPEN = (DeliveryStatus.pending, DeliveryStatus.retrying)
ALL_EVENTS = "*"


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def relay(session: AsyncSession, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Fan out up to `limit` undispatched notifications into deliveries (in the caller's transaction; the caller
    commits). Returns the ids of the new deliveries. Concurrent relays skip each other's rows (PostgreSQL)."""
    now = now or utcnow()
    stmt = (select(Notification.id, Notification.user_id, Notification.event, Notification.kind)
            .where(Notification.dispatched_at.is_(None)).order_by(Notification.id).limit(limit))
    if _is_pg(session):
        stmt = stmt.with_for_update(skip_locked=True)
    notes = (await session.execute(stmt)).all()
    if not notes:
        return []
    chosen: dict[int, dict[str, set[Channel]]] = defaultdict(lambda: defaultdict(set))
    prefs = await session.execute(select(ChannelPreference.user_id, ChannelPreference.event, ChannelPreference.channel)
                                  .where(ChannelPreference.user_id.in_({n.user_id for n in notes})))
    for user_id, event, channel in prefs.all():
        chosen[user_id][event].add(Channel(channel))
    rows = []
    for n in notes:
        by_event = chosen.get(n.user_id, {})
        for channel in sorted(by_event.get(n.event or n.kind, set()) | by_event.get(ALL_EVENTS, set())):
            rows.append({"notification_id": n.id, "user_id": n.user_id, "channel": channel,
                         "status": DeliveryStatus.pending, "attempts": 0, "next_attempt_at": now,
                         "created_at": now, "updated_at": now})
    ids: list[int] = []
    if rows:
        result = await session.execute(insert(Delivery).returning(Delivery.id), rows)
        ids = list(result.scalars())
    await session.execute(update(Notification).where(Notification.id.in_([n.id for n in notes]))
                          .values(dispatched_at=now).execution_options(synchronize_session=False))
    return ids


async def due(session: AsyncSession, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries whose next attempt is due, oldest first."""
    stmt = (select(Delivery.id).where(Delivery.status.in_(OPEN), Delivery.next_attempt_at <= (now or utcnow()))
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    return list((await session.execute(stmt)).scalars())


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: the base, doubled each time (30 s, 1 min, 2 min, ...)."""
    return timedelta(seconds=get_settings().delivery_backoff_seconds * 2 ** max(0, attempts - 1))


async def _send(session: AsyncSession, delivery: Delivery) -> tuple[DeliveryStatus, str | None]:
    note = await session.get(Notification, delivery.notification_id)
    user = await session.get(User, delivery.user_id)
    if note is None or user is None:
        return DeliveryStatus.skipped, "通知或用户已删除"
    try:
        await channels.send(session, Channel(delivery.channel), delivery.id, note, user)
    except channels.Skip as exc:
        return DeliveryStatus.skipped, str(exc)
    except channels.Dead as exc:
        return DeliveryStatus.dead, str(exc)
    except channels.Retry as exc:
        return DeliveryStatus.retrying, str(exc)
    except Exception as exc:  # a bug or an unforeseen answer: logged, retried like a transient failure
        log.exception("delivery %s failed", delivery.id)
        return DeliveryStatus.retrying, f"内部错误：{type(exc).__name__}"
    return DeliveryStatus.sent, None


def _settle(session: AsyncSession, delivery: Delivery, outcome: DeliveryStatus, error: str | None,
            now: datetime) -> DeliveryStatus:
    delivery.attempts += 1
    if outcome == DeliveryStatus.retrying and delivery.attempts >= get_settings().delivery_max_attempts:
        outcome = DeliveryStatus.dead
        error = f"{error}（已尝试 {delivery.attempts} 次，转入死信）"
    delivery.status = outcome
    delivery.last_error = error[:500] if error else None
    delivery.updated_at = now
    delivery.next_attempt_at = now + backoff(delivery.attempts) if outcome == DeliveryStatus.retrying else None
    if outcome == DeliveryStatus.sent:
        delivery.sent_at = now
    session.add(DeliveryAttempt(delivery_id=delivery.id, attempt=delivery.attempts, outcome=outcome,
                                error=delivery.last_error, at=now))
    return outcome


async def attempt(sessions: async_sessionmaker[AsyncSession], delivery_id: int,
                  now: datetime | None = None) -> DeliveryStatus | None:
    """One attempt at one delivery, committed with its outcome and log row. None when it is not due, done
    already, or another worker holds it. The row stays locked from before the send to the commit (PostgreSQL:
    FOR UPDATE SKIP LOCKED; SQLite: the one writer's BEGIN IMMEDIATE, held by the single in-process runner)."""
    async with sessions() as session:
        await begin_write(session)
        stmt = (select(Delivery).where(Delivery.id == delivery_id, Delivery.status.in_(OPEN))
                .with_for_update(skip_locked=True))
        delivery = (await session.execute(stmt)).scalar_one_or_none()
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > (now or utcnow())):
            return None
        outcome, error = await _send(session, delivery)
        result = _settle(session, delivery, outcome, error, now or utcnow())
        await session.commit()
        return result


async def relay_committed(sessions: async_sessionmaker[AsyncSession], now: datetime | None = None) -> list[int]:
    async with sessions() as session:
        await begin_write(session)
        ids = await relay(session, now)
        await session.commit()
    return ids


async def due_committed(sessions: async_sessionmaker[AsyncSession], now: datetime | None = None) -> list[int]:
    async with sessions() as session:
        return await due(session, now)


async def drain(sessions: async_sessionmaker[AsyncSession], now: datetime | None = None) -> int:
    """Relay and attempt everything due, once (the in-process runner's step; tests call it directly)."""
    await relay_committed(sessions, now)
    done = 0
    for delivery_id in await due_committed(sessions, now):
        if await attempt(sessions, delivery_id, now) is not None:
            done += 1
    return done

"""The in-app inbox: any domain calls notify() inside its own transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import utcnow
from api.errors import NotFound, ValidationFailed
from api.events import events as registered_events
from api.notifications.models import Channel, ChannelPreference, Delivery, DeliveryAttempt, DeliveryStatus, Notification
from api.notifications.schemas import AttemptRead, ChannelChoice, DeliveryRead, EventRead, Preferences


def values(user_id: int, title: str, body: str = "", link: str | None = None, object_type: str | None = None,
           object_id: int | None = None, kind: str = "info", at: datetime | None = None,
           event: str | None = None) -> dict[str, Any]:
    """Every column of a new notification, for a caller that writes it in a statement of its own (the
    application submission); notify() is the same through the session. The row is also the outbox entry of
    the email/SMS/WeChat channels (api/notifications/outbox.py): nothing else is written here."""
    return {"user_id": user_id, "kind": kind, "title": title[:200], "body": body[:2000], "link": link,
            "object_type": object_type, "object_id": object_id, "event": event or kind, "read_at": None,
            "created_at": at or utcnow()}


async def notify(session: AsyncSession, user_id: int, title: str, body: str = "", link: str | None = None,
                 object_type: str | None = None, object_id: int | None = None, kind: str = "info",
                 event: str | None = None) -> Notification:
    """Added to the caller's transaction; written with its next flush (or its commit)."""
    row = Notification(**values(user_id, title, body, link, object_type, object_id, kind, event=event))
    session.add(row)
    return row


def readable_by(user_id: int) -> Select[Any]:
    return select(Notification).where(Notification.user_id == user_id)


async def unread_count(session: AsyncSession, user_id: int) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
    return (await session.execute(stmt)).scalar_one()


async def mark_read(session: AsyncSession, user_id: int, notification_id: int) -> Notification:
    row = (await session.execute(readable_by(user_id).where(Notification.id == notification_id))).scalar_one_or_none()
    if row is None:
        raise NotFound("通知不存在")
    if row.read_at is None:
        row.read_at = utcnow()
        await session.flush()
    return row


async def mark_all_read(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


# --- channels and the delivery log --------------------------------------------------------------------------------

def events() -> list[EventRead]:
    """Every event a case step can send: each registered workflow's actions, so a new case type needs no code
    here."""
    return [EventRead(event=e, label=label) for e, label in registered_events().items()]


async def preferences(session: AsyncSession, user_id: int) -> Preferences:
    rows = (await session.execute(select(ChannelPreference.event, ChannelPreference.channel)
                                  .where(ChannelPreference.user_id == user_id)
                                  .order_by(ChannelPreference.event, ChannelPreference.channel))).all()
    by_event: dict[str, list[Channel]] = {}
    for event, channel in rows:
        by_event.setdefault(event, []).append(Channel(channel))
    return Preferences(choices=[ChannelChoice(event=e, channels=c) for e, c in by_event.items()])


async def set_preferences(session: AsyncSession, user_id: int, prefs: Preferences) -> Preferences:
    """Replace my channel choices (PUT: a mini-program has no PATCH)."""
    known = {e.event for e in events()} | {"*"}
    unknown = sorted({c.event for c in prefs.choices} - known)
    if unknown:
        raise ValidationFailed([{"field": "choices", "in": "body", "message": f"未知的事件：{e}",
                                 "type": "unknown_event"} for e in unknown], "未知的通知事件")
    await session.execute(delete(ChannelPreference).where(ChannelPreference.user_id == user_id))
    rows = {(c.event, ch) for c in prefs.choices for ch in c.channels}
    if rows:
        await session.execute(insert(ChannelPreference), [{"user_id": user_id, "event": e, "channel": ch}
                                                          for e, ch in sorted(rows)])
    return await preferences(session, user_id)


def deliveries_query(user_id: int | None = None, status: DeliveryStatus | None = None) -> Select[Any]:
    stmt = select(Delivery)
    if user_id is not None:
        stmt = stmt.where(Delivery.user_id == user_id)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    return stmt


async def with_log(session: AsyncSession, rows: list[Delivery]) -> list[DeliveryRead]:
    """The deliveries with their last 20 attempts each."""
    logs: dict[int, list[AttemptRead]] = {d.id: [] for d in rows}
    if rows:
        attempts = await session.execute(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(logs))
                                         .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.id))
        for a in attempts.scalars():
            logs[a.delivery_id].append(AttemptRead.model_validate(a))
    return [DeliveryRead.model_validate(d).model_copy(update={"log": logs[d.id][-20:]}) for d in rows]


async def retry_delivery(session: AsyncSession, delivery_id: int) -> Delivery:
    """An admin sends a dead-lettered delivery again (after fixing a template or an address)."""
    row = await session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound("投递记录不存在")
    if row.status in (DeliveryStatus.dead, DeliveryStatus.skipped):
        row.status, row.attempts, row.next_attempt_at, row.updated_at = DeliveryStatus.pending, 0, utcnow(), utcnow()
        await session.flush()
    return row

"""The in-app inbox: any domain calls notify() inside its own transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import utcnow
from api.errors import NotFound
from api.notifications.models import Notification


def values(user_id: int, title: str, body: str = "", link: str | None = None, object_type: str | None = None,
           object_id: int | None = None, kind: str = "info", at: datetime | None = None) -> dict[str, Any]:
    """Every column of a new notification, for a caller that writes it in a statement of its own (the
    application submission); notify() is the same through the session."""
    return {"user_id": user_id, "kind": kind, "title": title[:200], "body": body[:2000], "link": link,
            "object_type": object_type, "object_id": object_id, "read_at": None, "created_at": at or utcnow()}


async def notify(session: AsyncSession, user_id: int, title: str, body: str = "", link: str | None = None,
                 object_type: str | None = None, object_id: int | None = None, kind: str = "info") -> Notification:
    """Added to the caller's transaction; written with its next flush (or its commit)."""
    row = Notification(**values(user_id, title, body, link, object_type, object_id, kind))
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

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from api.auth.owners import register_owner_column
from api.database import Base, utcnow


class Notification(Base):
    """An in-app inbox entry for one user (a status change on their case, a task for staff). It is also the
    outbox entry of the other channels: the worker picks the rows whose `dispatched_at` is NULL and fans each
    out into one Delivery per channel the user chose for its `event`, so the request that causes a
    notification writes nothing more than this row (same statement, same transaction)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_undispatched", "id", postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="info")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000), default="")
    link: Mapped[str | None] = mapped_column(String(500))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # What happened, "<workflow>.<action>" for a case step (e.g. "application.accept"), else the kind: what
    # users choose channels for and admins map subscribe-message templates to.
    event: Mapped[str | None] = mapped_column(String(80))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]  # fanned out into deliveries (NULL: still in the outbox)


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    wechat = "wechat"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt
    retrying = "retrying"  # failed, another attempt is scheduled (next_attempt_at)
    sent = "sent"
    dead = "dead"  # dead letter: failed for good (attempts used up, or an error no retry can fix)
    skipped = "skipped"  # nothing to send to (no address, no subscribe-message credit)


class ChannelPreference(Base):
    """A channel a user chose for an event ("*": every event). The in-app inbox always receives everything."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "event", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(80))
    channel: Mapped[Channel] = mapped_column(String(10))


class Delivery(Base):
    """One notification on one channel. Its id is the idempotency key of the send: a delivery is marked sent
    in the transaction that holds its row lock while sending, so two workers never send it both."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(String(10))
    status: Mapped[DeliveryStatus] = mapped_column(String(10), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryAttempt(Base):
    """The delivery log: one row per attempt, with what came of it and why."""

    __tablename__ = "notification_delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notification_deliveries.id", ondelete="CASCADE"),
                                             index=True)
    attempt: Mapped[int]
    outcome: Mapped[DeliveryStatus] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)


# Follows its owner when an account is folded into another (api.auth.owners).
register_owner_column(Notification.user_id)

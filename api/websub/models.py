"""WebSub (W3C Recommendation 2018): the portal is the hub of its own feeds. Subscriptions, and the outbox of
work for subscribers' callbacks (intent verifications and content deliveries), drained by the delivery task."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class SubscriptionState(StrEnum):
    active = "active"
    unsubscribed = "unsubscribed"
    expired = "expired"  # delivery kept failing: told nothing more


class JobKind(StrEnum):
    verify = "verify"
    deliver = "deliver"
    denied = "denied"  # the request was refused (W3C WebSub 5.2): the callback is told so, with hub.reason


class Subscription(Base):
    __tablename__ = "websub_subscriptions"
    __table_args__ = (UniqueConstraint("topic_key", "callback"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(1000))  # as the subscriber gave it (rel=self of deliveries)
    # The feed: its path, and its filters in a canonical query (websub.service.key_of)
    topic_key: Mapped[str] = mapped_column(String(1000), index=True)
    # The feed's filters, for picking the subscriptions a change concerns (NULL: not filtered on it)
    filter_column_id: Mapped[int | None]
    filter_publisher_id: Mapped[int | None]
    filter_topic: Mapped[str | None] = mapped_column(String(50))
    callback: Mapped[str] = mapped_column(String(1000))
    # Kept as given: the hub signs each delivery with it (HMAC), so a hash would not do.
    secret: Mapped[str | None] = mapped_column(String(200))
    lease_seconds: Mapped[int]
    state: Mapped[SubscriptionState] = mapped_column(String(20), default=SubscriptionState.active)
    expires_at: Mapped[datetime]
    failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """One piece of outbound work. Written in the transaction that caused it (a subscription request, a
    publish), so it exists exactly when that committed; `next_attempt_at` schedules it and its retries."""

    __tablename__ = "websub_jobs"
    __table_args__ = (Index("ix_websub_jobs_due", "done_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(String(10))
    mode: Mapped[str | None] = mapped_column(String(12))  # verify, denied: subscribe | unsubscribe
    topic: Mapped[str] = mapped_column(String(1000))
    topic_key: Mapped[str] = mapped_column(String(1000))  # "" for a denied request's topic that is none of ours
    reason: Mapped[str | None] = mapped_column(String(300))  # denied: the hub.reason sent
    callback: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str | None] = mapped_column(String(200))
    lease_seconds: Mapped[int | None]
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("websub_subscriptions.id", ondelete="CASCADE"), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))  # delivered | verified | refused | failed | skipped
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

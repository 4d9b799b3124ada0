from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.auth.models import OrgUnit
from api.auth.owners import register_owner_column
from api.cases.workflow import Step, Workflow
from api.complaints.states import (
    COMPLAINT,
    PUBLIC_ACTIONS,
    ComplaintChannel,
    ComplaintKind,
    ComplaintStatus,
    NotAcceptReason,
    Satisfaction,
)
from api.database import Base, utcnow
from api.partners.models import ApiClient


class Mailbox(Base):
    """信箱: 局长信箱, 投诉, 咨询, 建议; the owner unit triages what arrives, within reply_days working days."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(String(500), default="")
    default_kind: Mapped[ComplaintKind] = mapped_column(String(20))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    reply_days: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[OrgUnit] = relationship(lazy="raise")


class Complaint(Base):
    """来信 / 诉求: one letter to a mailbox, from a signed-in user or an anonymous writer."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(255))
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"), index=True)
    kind: Mapped[ComplaintKind] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    writer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    writer_name: Mapped[str | None] = mapped_column(String(50))
    writer_phone: Mapped[str | None] = mapped_column(String(20))
    writer_email: Mapped[str | None] = mapped_column(String(200))
    writer_address: Mapped[str | None] = mapped_column(String(200))
    consent_publish: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[ComplaintChannel] = mapped_column(String(20), default=ComplaintChannel.portal)
    # The registered client that relayed the letter (channel partner or open311), and its name at the time.
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey(ApiClient.id), index=True)
    relayed_by: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 of the anonymous writer's IP with the tracking number, for abuse review; never the IP itself.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ComplaintStatus] = mapped_column(String(20), index=True)
    not_accept_reason: Mapped[NotAcceptReason | None] = mapped_column(String(30))
    not_accept_note: Mapped[str | None] = mapped_column(String(500))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    extension_note: Mapped[str | None] = mapped_column(String(500))
    reply_body: Mapped[str | None] = mapped_column(Text)
    reply_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    replied_on_time: Mapped[bool | None]
    reply_working_days: Mapped[int | None]
    auto_complete_date: Mapped[date | None] = mapped_column(index=True)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(String(30))
    satisfaction_comment: Mapped[str | None] = mapped_column(String(500))
    first_satisfaction: Mapped[Satisfaction | None] = mapped_column(String(30))
    reopen_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    accepted_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    rated_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: an UPDATE that finds another version loses with 409 (api/cases).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = COMPLAINT

    mailbox: Mapped[Mailbox] = relationship(lazy="raise")
    lead_unit: Mapped[OrgUnit | None] = relationship(lazy="raise", foreign_keys=[lead_unit_id])
    reply_unit: Mapped[OrgUnit | None] = relationship(lazy="raise", foreign_keys=[reply_unit_id])
    forwards: Mapped[list["ComplaintForward"]] = relationship(lazy="raise", order_by="ComplaintForward.id")

    def case_event(self, step: Step) -> "ComplaintEvent":
        return ComplaintEvent(complaint_id=self.id, action=step.action.value, from_status=step.from_status,
                              to_status=step.to_status, actor_id=step.actor.id, actor_name=step.actor.name,
                              note=step.note, public=step.action in PUBLIC_ACTIONS, at=step.at)


class ComplaintForward(Base):
    """转办: one department a case was sent to. Re-forwarding retires rows and adds new ones (history kept)."""

    __tablename__ = "complaint_forwards"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(500))
    forwarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    forwarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    org_unit: Mapped[OrgUnit] = relationship(lazy="raise")


class ComplaintReply(Base):
    """A reply drafted by a handler and the leader's decision on it."""

    __tablename__ = "complaint_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drafted_by_name: Mapped[str] = mapped_column(String(100))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(20))  # approved | returned
    review_comment: Mapped[str | None] = mapped_column(String(1000))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None]


class ComplaintEvent(Base):
    """The case's history: one row per step; `public` rows are shown to the writer."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintAttachment(Base):
    """A file a writer uploaded; claimed by the letter that names its id and upload token."""

    __tablename__ = "complaint_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int | None]  # the files kernel's Attachment, when stored there
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintPublication(Base):
    """公开选登: the masked letter and reply as the editor approved them for the public."""

    __tablename__ = "complaint_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), unique=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"), index=True)
    kind: Mapped[ComplaintKind] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    reply_unit_name: Mapped[str | None] = mapped_column(String(100))
    submitted_date: Mapped[date]
    replied_date: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]


# Follows its owner when an account is folded into another (api.auth.owners).
register_owner_column(Complaint.writer_id)

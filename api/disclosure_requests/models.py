from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.auth.models import OrgUnit
from api.auth.owners import register_owner_column
from api.cases.workflow import Step, Workflow
from api.database import Base, utcnow
from api.disclosure_requests.states import (
    DISCLOSURE_REQUEST,
    ApplicantType,
    ConsultKind,
    DeliveryForm,
    DeliveryRoute,
    FeeMethod,
    Outcome,
    Reason,
    ReceiptChannel,
    RequestStatus,
    ReviewKind,
    ReviewResult,
)


class DisclosureRequest(Base):
    """依申请公开: one application for government information to one unit, and how it was answered."""

    __tablename__ = "disclosure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applicant_type: Mapped[ApplicantType] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(100))
    identity_no: Mapped[str] = mapped_column(String(40), index=True)  # 身份证件号码 / 统一社会信用代码
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_address: Mapped[str | None] = mapped_column(String(200))
    info_name: Mapped[str | None] = mapped_column(String(200))
    info_doc_no: Mapped[str | None] = mapped_column(String(100))
    info_description: Mapped[str] = mapped_column(Text)
    delivery_form: Mapped[DeliveryForm] = mapped_column(String(20))
    delivery_route: Mapped[DeliveryRoute] = mapped_column(String(20))
    channel: Mapped[ReceiptChannel] = mapped_column(String(20))
    received_date: Mapped[date] = mapped_column(index=True)  # Art. 31's date of receipt
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[RequestStatus] = mapped_column(String(30), index=True)
    supplement_note: Mapped[str | None] = mapped_column(Text)
    supplement_due_date: Mapped[date | None]
    supplement_text: Mapped[str | None] = mapped_column(Text)
    supplemented_date: Mapped[date | None]
    extension_days: Mapped[int] = mapped_column(default=0)
    extension_approver: Mapped[str | None] = mapped_column(String(100))
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    consult_kind: Mapped[ConsultKind | None] = mapped_column(String(20))
    consult_party: Mapped[str | None] = mapped_column(String(200))
    consult_due_date: Mapped[date | None]
    fee_method: Mapped[FeeMethod | None] = mapped_column(String(10))
    fee_quantity: Mapped[int | None]  # pages (按量) or the month's application number (按件)
    fee_amount: Mapped[int | None]  # yuan
    fee_due_date: Mapped[date | None]
    fee_paid_date: Mapped[date | None]
    outcome: Mapped[Outcome | None] = mapped_column(String(20), index=True)
    reason: Mapped[Reason | None] = mapped_column(String(30))
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    reply_body: Mapped[str | None] = mapped_column(Text)
    referral: Mapped[str | None] = mapped_column(String(500))  # the responsible agency and its contact
    finished_date: Mapped[date | None] = mapped_column(index=True)
    on_the_spot: Mapped[bool] = mapped_column(default=False)  # 当场答复 (Art. 33)
    review_kind: Mapped[ReviewKind | None] = mapped_column(String(30))
    review_result: Mapped[ReviewResult | None] = mapped_column(String(20))
    review_filed_date: Mapped[date | None]  # 申请复议 / 起诉
    review_decided_date: Mapped[date | None] = mapped_column(index=True)  # 复议决定 / 裁判: section 四's year
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = DISCLOSURE_REQUEST

    unit: Mapped[OrgUnit] = relationship(lazy="raise")

    def case_event(self, step: Step) -> "DisclosureRequestEvent":
        return DisclosureRequestEvent(request_id=self.id, action=step.action.value, from_status=step.from_status,
                                      to_status=step.to_status, actor_id=step.actor.id, actor_name=step.actor.name,
                                      note=step.note, at=step.at)


class DisclosureRequestEvent(Base):
    """The request's history, one row per step; the applicant sees all of it (each step is a notice to them)."""

    __tablename__ = "disclosure_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AnnualReport(Base):
    """政府信息公开工作年度报告 of one year: the staff's text and figures, the tables as saved, and its publication."""

    __tablename__ = "annual_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # sections, entered figures and the saved tables
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DisclosureGuide(Base):
    """政府信息公开指南: how to apply, where, fees and remedies, as staff keep it (one row; absent: the default)."""

    __tablename__ = "disclosure_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    sections: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{"title": …, "body": …}]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# Follows its owner when an account is folded into another (api.auth.owners).
register_owner_column(DisclosureRequest.applicant_id)

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.applications.states import APPLICATION, ApplicationStatus, Decision
from api.auth.owners import register_owner_column
from api.cases.workflow import Step, Workflow
from api.database import Base, utcnow


class Application(Base):
    """申请: one person's application for one service, under the version it was made with."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), unique=True)  # 受理编号
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    service_version_id: Mapped[int] = mapped_column(ForeignKey("service_versions.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(String(24), index=True)
    # Where a 补正 returns the case when the applicant supplies what was missing.
    resume_status: Mapped[ApplicationStatus | None] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    supplement_request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(2000))  # 不予受理 / 不予批准
    result_note: Mapped[str | None] = mapped_column(String(2000))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    on_time: Mapped[bool | None]
    used_working_days: Mapped[int | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    accepted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: an UPDATE that finds another version loses with 409.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = APPLICATION

    def case_event(self, step: Step) -> "ApplicationEvent":
        return ApplicationEvent(application_id=self.id, action=step.action.value, from_status=step.from_status,
                                to_status=step.to_status, actor_id=step.actor.id, actor_name=step.actor.name,
                                actor_role=step.actor.role, note=step.note, detail=step.detail, created_at=step.at)


class ApplicationEvent(Base):
    """The case history: one row per action, with who did it and why."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[ApplicationStatus | None] = mapped_column(String(24))
    to_status: Mapped[ApplicationStatus | None] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(2000))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Approval(Base):
    """并联审批: one department's decision on one application."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("application_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    decision: Mapped[Decision] = mapped_column(String(10), default=Decision.pending)
    note: Mapped[str | None] = mapped_column(String(2000))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]


class TrackingCounter(Base):
    """Per-year sequence for 受理编号; incremented atomically, so a number is never handed out twice."""

    __tablename__ = "application_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


# Follows its owner when an account is folded into another (api.auth.owners).
register_owner_column(Application.applicant_id)

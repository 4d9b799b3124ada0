from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.auth.owners import register_owner_column
from api.cases.workflow import Step, Workflow
from api.database import Base, utcnow
from api.ratings.states import RECTIFICATION, AppealStatus, RectificationStatus


class Rating(Base):
    """好差评: the applicant's one rating of a decided application."""

    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    score: Mapped[int]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    appeal_status: Mapped[AppealStatus] = mapped_column(String(10), default=AppealStatus.none)
    appeal_reason: Mapped[str | None] = mapped_column(String(1000))
    appeal_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_at: Mapped[datetime | None]
    appeal_decision_note: Mapped[str | None] = mapped_column(String(1000))
    appeal_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_decided_at: Mapped[datetime | None]
    # An upheld appeal (恶意差评) removes the rating from the statistics.
    excluded: Mapped[bool] = mapped_column(default=False)


class Rectification(Base):
    """整改: a bad rating's task for the department, with a working-day clock and a required 回访."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[RectificationStatus] = mapped_column(String(12), index=True)
    measures: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = RECTIFICATION

    def case_event(self, step: Step) -> "RectificationEvent":
        return RectificationEvent(rectification_id=self.id, action=step.action.value, from_status=step.from_status,
                                  to_status=step.to_status, note=step.note, detail=step.detail,
                                  actor_id=step.actor.id, actor_name=step.actor.name, created_at=step.at)


class RectificationEvent(Base):
    __tablename__ = "rectification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[RectificationStatus | None] = mapped_column(String(12))
    to_status: Mapped[RectificationStatus | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(2000))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Follows its owner when an account is folded into another (api.auth.owners).
register_owner_column(Rating.rater_id)

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.auth.owners import register_owner_column
from api.cases.workflow import Step, Workflow
from api.database import Base, utcnow
from api.surveys.states import CONSULTATION, SURVEY, Audience, ConsultationStatus, QuestionKind, SurveyStatus


class Survey(Base):
    """民意调查: questions, an open and close time, an audience; results hidden until it closes."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Audience] = mapped_column(String(10))
    status: Mapped[SurveyStatus] = mapped_column(String(20), index=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: an UPDATE that finds another version loses with 409 (api/cases).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = SURVEY

    questions: Mapped[list["SurveyQuestion"]] = relationship(lazy="raise", order_by="SurveyQuestion.position")

    def case_event(self, step: Step) -> "SurveyEvent":
        return SurveyEvent(survey_id=self.id, action=step.action.value, from_status=step.from_status,
                           to_status=step.to_status, actor_id=step.actor.id, actor_name=step.actor.name,
                           note=step.note, at=step.at)


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(String(500))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=True)


class SurveyResponse(Base):
    """One response per user; anonymous responses are told apart by a hashed IP (never the IP itself)."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"), UniqueConstraint("survey_id", "ip_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyEvent(Base):
    __tablename__ = "survey_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                        index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Consultation(Base):
    """征集意见: a draft document open for comments for at least min_days, closed only with a summary."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    draft_text: Mapped[str] = mapped_column(Text)
    status: Mapped[ConsultationStatus] = mapped_column(String(20), index=True)
    min_days: Mapped[int]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)  # 采纳情况
    summary_published_at: Mapped[datetime | None]
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: an UPDATE that finds another version loses with 409 (api/cases).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = CONSULTATION

    def case_event(self, step: Step) -> "SurveyEvent":
        return SurveyEvent(consultation_id=self.id, action=step.action.value, from_status=step.from_status,
                           to_status=step.to_status, actor_id=step.actor.id, actor_name=step.actor.name,
                           note=step.note, at=step.at)


class ConsultationAttachment(Base):
    __tablename__ = "consultation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int | None]
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationComment(Base):
    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Follows its owner when an account is folded into another (api.auth.owners).
register_owner_column(SurveyResponse.user_id, unique_with=(SurveyResponse.survey_id,))
register_owner_column(ConsultationComment.user_id)

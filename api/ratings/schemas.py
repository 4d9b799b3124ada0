from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from api.calendar.schemas import ClockRead
from api.catalog.service import UnitRef
from api.ratings.states import TAGS, AppealStatus, RectificationStatus


class RatingCreate(BaseModel):
    score: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    tags: list[str] = Field(default_factory=list, max_length=len(TAGS))
    comment: str | None = Field(default=None, max_length=1000)

    @field_validator("tags")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [t for t in v if t not in TAGS]
        if unknown:
            raise ValueError("未知的评价标签：" + "、".join(unknown))
        return list(dict.fromkeys(v))


class RatingRead(BaseModel):
    id: int
    application_id: int
    score: int
    score_label: str
    tags: list[str]
    comment: str | None
    created_at: datetime
    appeal_status: AppealStatus
    appeal_reason: str | None
    appeal_decision_note: str | None
    excluded: bool
    rectification_id: int | None


class AppealIn(BaseModel):
    reason: str = Field(min_length=5, max_length=1000, description="认为属于恶意差评的理由")


class AppealDecisionIn(BaseModel):
    upheld: bool = Field(description="true：申诉成立（恶意差评不计入统计）")
    note: str = Field(min_length=2, max_length=1000)


class FollowUpIn(BaseModel):
    method: Literal["phone", "visit", "online"] = Field(description="回访方式：电话、上门、线上")
    note: str = Field(min_length=2, max_length=2000, description="回访情况")


class CloseIn(BaseModel):
    measures: str = Field(min_length=2, max_length=2000, description="整改措施")


class RectificationEventRead(BaseModel):
    action: str
    from_status: RectificationStatus | None
    to_status: RectificationStatus | None
    note: str | None
    detail: dict[str, Any] | None
    actor_name: str
    created_at: datetime


class RectificationRead(BaseModel):
    id: int
    application_id: int
    tracking_no: str
    org_unit: UnitRef
    status: RectificationStatus
    status_label: str
    rating: RatingRead
    measures: str | None
    clock: ClockRead | None
    events: list[RectificationEventRead]
    created_at: datetime
    closed_at: datetime | None

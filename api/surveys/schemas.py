from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.surveys.states import Audience, ConsultationStatus, QuestionKind, SurveyStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class QuestionIn(BaseModel):
    kind: QuestionKind
    text: Annotated[Text, StringConstraints(max_length=500)]
    options: list[Option] = Field(default_factory=list, max_length=20)
    required: bool = True

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> "QuestionIn":
        if self.kind in (QuestionKind.single, QuestionKind.multiple) and len(self.options) < 2:
            raise ValueError("选择题至少需要两个选项")
        if self.kind in (QuestionKind.rating, QuestionKind.text) and self.options:
            raise ValueError("评分题和文字题不设选项")
        if len(set(self.options)) != len(self.options):
            raise ValueError("选项不能重复")
        return self


class SurveyCreate(BaseModel):
    title: Annotated[Text, StringConstraints(max_length=200)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    audience: Audience = Audience.public
    opens_at: datetime
    closes_at: datetime
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _closes_after_opening(self) -> "SurveyCreate":
        if self.opens_at.tzinfo is None or self.closes_at.tzinfo is None:
            raise ValueError("时间须带时区")
        if self.closes_at <= self.opens_at:
            raise ValueError("结束时间须晚于开始时间")
        return self


class QuestionRead(BaseModel):
    id: int
    kind: QuestionKind
    text: str
    options: list[str]
    required: bool


class SurveyRead(BaseModel):
    id: int
    title: str
    description: str
    audience: Audience
    status: SurveyStatus
    opens_at: datetime
    closes_at: datetime
    accepting: bool
    closed: bool
    responded: bool = Field(default=False, description="登录用户是否已参加（仅单个调查的详情中给出）")
    questions: list[QuestionRead]


class ResponseIn(BaseModel):
    answers: dict[int, Any] = Field(description="问题 id → 单选：选项文字；多选：选项列表；评分：1–5；文字")
    captcha_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    captcha_answer: Annotated[str, StringConstraints(max_length=16)] | None = None


class OptionCount(BaseModel):
    option: str
    count: int


class QuestionResult(BaseModel):
    question_id: int
    kind: QuestionKind
    text: str
    answered: int
    options: list[OptionCount] = Field(default_factory=list)
    rating_average: float | None = None
    rating_counts: list[OptionCount] = Field(default_factory=list)
    texts: list[str] = Field(default_factory=list)


class SurveyResults(BaseModel):
    survey_id: int
    published: bool = Field(description="调查结束后才公布结果")
    response_count: int | None = Field(description="结束前仅工作人员可见")
    questions: list[QuestionResult]


class ConsultationCreate(BaseModel):
    title: Annotated[Text, StringConstraints(max_length=200)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    draft_text: Annotated[Text, StringConstraints(max_length=100000)]
    min_days: int | None = Field(default=None, ge=1, le=365, description="最短征求意见期（天），不得少于系统设置")


class ConsultationOpen(BaseModel):
    closes_at: datetime | None = Field(default=None, description="默认开始后满最短征求意见期")


class ConsultationAttachmentRead(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class ConsultationRead(BaseModel):
    id: int
    title: str
    description: str
    draft_text: str
    status: ConsultationStatus
    min_days: int
    opens_at: datetime | None
    closes_at: datetime | None
    summary: str | None
    summary_published_at: datetime | None
    comment_count: int
    attachments: list[ConsultationAttachmentRead]


class ConsultationCommentIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    body: Annotated[Text, StringConstraints(max_length=5000)]
    captcha_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    captcha_answer: Annotated[str, StringConstraints(max_length=16)] | None = None


class CommentRead(BaseModel):
    id: int
    name: str | None
    body: str
    created_at: datetime


class SummaryIn(BaseModel):
    summary: Annotated[Text, StringConstraints(min_length=10, max_length=20000)] = Field(
        description="意见采纳情况说明")

"""Surveys (民意调查) and consultations (征集意见) as data: states and allowed transitions."""

from enum import StrEnum


class SurveyStatus(StrEnum):
    draft = "draft"
    published = "published"  # open for responses between opens_at and closes_at
    cancelled = "cancelled"


class ConsultationStatus(StrEnum):
    draft = "draft"
    open = "open"  # the draft is public and comments are collected
    closed = "closed"  # closed with a published summary of how the comments were used (采纳情况)


class Audience(StrEnum):
    public = "public"
    staff = "staff"


class QuestionKind(StrEnum):
    single = "single"
    multiple = "multiple"
    rating = "rating"
    text = "text"


SURVEY_TRANSITIONS: dict[SurveyStatus, frozenset[SurveyStatus]] = {
    SurveyStatus.draft: frozenset({SurveyStatus.published, SurveyStatus.cancelled}),
    SurveyStatus.published: frozenset({SurveyStatus.cancelled}),
    SurveyStatus.cancelled: frozenset(),
}
CONSULTATION_TRANSITIONS: dict[ConsultationStatus, frozenset[ConsultationStatus]] = {
    ConsultationStatus.draft: frozenset({ConsultationStatus.open}),
    ConsultationStatus.open: frozenset({ConsultationStatus.closed}),
    ConsultationStatus.closed: frozenset(),
}

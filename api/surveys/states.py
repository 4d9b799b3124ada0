"""Surveys (民意调查) and consultations (征集意见) as data: a Workflow each (states, actions, their labels, the
transitions keyed by action), and the labelled value lists the SPA shows. GET /vocabulary serves them."""

from enum import StrEnum

from api.cases.workflow import Workflow, register, register_enum


class SurveyStatus(StrEnum):
    draft = "draft"
    published = "published"  # open for responses between opens_at and closes_at
    cancelled = "cancelled"


class SurveyAction(StrEnum):
    create = "create"
    update = "update"
    publish = "publish"
    close = "close"  # end a published survey before its close time
    cancel = "cancel"


class ConsultationStatus(StrEnum):
    draft = "draft"
    open = "open"  # the draft is public and comments are collected
    closed = "closed"  # closed with a published summary of how the comments were used (采纳情况)


class ConsultationAction(StrEnum):
    create = "create"
    open = "open"
    summary = "summary"  # publish 采纳情况
    close = "close"


class Audience(StrEnum):
    public = "public"
    staff = "staff"


class QuestionKind(StrEnum):
    single = "single"
    multiple = "multiple"
    rating = "rating"
    text = "text"


S, SA = SurveyStatus, SurveyAction
C, CA = ConsultationStatus, ConsultationAction

SURVEY: Workflow[SurveyStatus, SurveyAction] = register(Workflow(
    name="survey", label="民意调查", states=SurveyStatus, actions=SurveyAction,
    state_labels={S.draft: "草稿", S.published: "已发布", S.cancelled: "已撤回"},
    action_labels={SA.create: "新建调查", SA.update: "修改调查", SA.publish: "发布调查", SA.close: "提前结束",
                   SA.cancel: "撤回调查"},
    transitions={
        SA.update: {S.draft: S.draft},
        SA.publish: {S.draft: S.published},
        SA.close: {S.published: S.published},  # the close time moves to now; the results are then public
        SA.cancel: {S.draft: S.cancelled, S.published: S.cancelled},
    },
    initial=S.draft, create_action=SA.create,
    describe=lambda s: {"title": s.title},
))

CONSULTATION: Workflow[ConsultationStatus, ConsultationAction] = register(Workflow(
    name="consultation", label="征集意见", states=ConsultationStatus, actions=ConsultationAction,
    state_labels={C.draft: "草稿", C.open: "征集中", C.closed: "已结束"},
    action_labels={CA.create: "新建征集", CA.open: "发布征集", CA.summary: "公布采纳情况", CA.close: "结束征集"},
    transitions={
        CA.open: {C.draft: C.open},
        CA.summary: {C.open: C.open},
        CA.close: {C.open: C.closed},
    },
    initial=C.draft, create_action=CA.create,
    describe=lambda c: {"title": c.title},
))

register_enum("survey_question_kind", {QuestionKind.single: "单选题", QuestionKind.multiple: "多选题",
                                       QuestionKind.rating: "评分题", QuestionKind.text: "文字题"})
register_enum("survey_audience", {Audience.public: "面向公众", Audience.staff: "仅限工作人员"})

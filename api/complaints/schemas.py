from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from api.calendar.schemas import ClockRead
from api.complaints.states import ComplaintChannel, ComplaintKind, ComplaintStatus, NotAcceptReason, Satisfaction
from api.validation import Id

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class MailboxRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    description: str
    default_kind: ComplaintKind
    owner_unit_id: int
    owner_unit_name: str
    reply_days: int
    is_active: bool


class MailboxCreate(BaseModel):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32,
                                           pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[Text, StringConstraints(max_length=50)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    default_kind: ComplaintKind
    owner_unit_id: Id
    reply_days: int | None = Field(default=None, ge=1, le=60, description="答复时限（工作日）；默认咨询 5、其他 10")


class MailboxUpdate(BaseModel):
    name: Annotated[Text, StringConstraints(max_length=50)] | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    owner_unit_id: Id | None = None
    reply_days: int | None = Field(default=None, ge=1, le=60)
    is_active: bool | None = None


class AttachmentRef(BaseModel):
    id: Id
    upload_token: Annotated[str, StringConstraints(min_length=16, max_length=64)]


class AttachmentUploaded(BaseModel):
    id: int
    upload_token: str
    filename: str
    content_type: str
    size: int


class ComplaintAttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    filename: str
    content_type: str
    size: int


_PHONE = r"^[0-9+\-() ]{5,20}$"


class ComplaintCreate(BaseModel):
    mailbox_id: Id
    kind: ComplaintKind | None = Field(default=None, description="默认取信箱的类别")
    subject: Annotated[Text, StringConstraints(max_length=200)]
    body: Annotated[Text, StringConstraints(max_length=10000)]
    writer_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    writer_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=_PHONE)] | None = None
    writer_email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200,
                                                   pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    writer_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    consent_publish: bool = Field(default=False, description="同意公开选登（个人信息将被隐去）")
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=5)
    captcha_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="匿名提交时必填")
    captcha_answer: Annotated[str, StringConstraints(max_length=16)] | None = None

    def fingerprint_payload(self) -> dict[str, object]:
        return self.model_dump(exclude={"captcha_id", "captcha_answer"}, mode="json")


class ComplaintReceipt(BaseModel):
    tracking_no: str
    query_code: str = Field(description="查询码：只显示这一次，请妥善保存")
    status: ComplaintStatus
    mailbox_name: str
    submitted_at: datetime
    reply_due_date: date | None


class LookupIn(BaseModel):
    tracking_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)]
    query_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class RatingIn(BaseModel):
    satisfaction: Satisfaction
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class LookupRatingIn(LookupIn, RatingIn):
    pass


class PublicEventRead(BaseModel):
    action: str
    label: str
    note: str | None
    at: datetime


class ReplyRead(BaseModel):
    body: str
    unit_name: str | None
    replied_at: datetime | None


class ComplaintPublicView(BaseModel):
    """What the writer sees: status, reasons and explanations, replies, and whether a rating is due."""

    tracking_no: str
    mailbox_name: str
    kind: ComplaintKind
    subject: str
    body: str
    status: ComplaintStatus
    status_label: str
    submitted_at: datetime
    reply_due_date: date | None
    not_accept_reason: NotAcceptReason | None
    not_accept_note: str | None
    extension_note: str | None
    handling_units: list[str]
    replies: list[ReplyRead]
    satisfaction: Satisfaction | None
    can_rate: bool
    events: list[PublicEventRead]
    attachments: list[ComplaintAttachmentRead] = Field(default_factory=list)


class ForwardRead(BaseModel):
    id: int
    org_unit_id: int
    org_unit_name: str
    is_lead: bool
    active: bool
    note: str | None
    forwarded_at: datetime


class DraftRead(BaseModel):
    id: int
    body: str
    drafted_by_name: str
    drafted_at: datetime
    decision: str | None
    review_comment: str | None
    reviewed_by_name: str | None
    reviewed_at: datetime | None


class ComplaintEventRead(BaseModel):
    id: int
    action: str
    label: str
    from_status: str | None
    to_status: str | None
    actor_name: str
    note: str | None
    public: bool
    at: datetime


class ComplaintSummary(BaseModel):
    id: int
    tracking_no: str
    mailbox_id: int
    mailbox_name: str
    kind: ComplaintKind
    subject: str
    status: ComplaintStatus
    writer_name: str | None
    anonymous: bool
    lead_unit_name: str | None
    submitted_at: datetime
    clock: ClockRead | None
    awaiting_rating: bool = Field(description="已答复，待来信人评价（满意 / 基本满意 / 不满意）")


class ComplaintRead(ComplaintSummary):
    channel: ComplaintChannel
    relayed_by: str | None = Field(description="代为提交的接入客户端（如 12345 热线）")
    body: str
    writer_phone: str | None
    writer_email: str | None
    writer_address: str | None
    consent_publish: bool
    not_accept_reason: NotAcceptReason | None
    not_accept_note: str | None
    extension_note: str | None
    reply_body: str | None
    replied_at: datetime | None
    satisfaction: Satisfaction | None
    satisfaction_comment: str | None
    reopen_count: int
    published: bool
    forwards: list[ForwardRead]
    drafts: list[DraftRead]
    attachments: list[ComplaintAttachmentRead]
    events: list[ComplaintEventRead]
    allowed_actions: list[str]


class AcceptIn(BaseModel):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class NotAcceptIn(BaseModel):
    reason: NotAcceptReason
    note: Annotated[Text, StringConstraints(max_length=500)] = Field(description="告知来信人的理由")


class ForwardIn(BaseModel):
    unit_ids: list[Id] = Field(min_length=1, max_length=10, description="承办部门（含主办）")
    lead_unit_id: Id = Field(description="主办部门，须在 unit_ids 中")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _lead_is_listed(self) -> "ForwardIn":
        if self.lead_unit_id not in self.unit_ids:
            raise ValueError("主办部门须在承办部门之中")
        if len(set(self.unit_ids)) != len(self.unit_ids):
            raise ValueError("承办部门不能重复")
        return self


class OpinionIn(BaseModel):
    body: Annotated[Text, StringConstraints(max_length=5000)]


class DraftIn(BaseModel):
    body: Annotated[Text, StringConstraints(max_length=10000)]


class ReviewIn(BaseModel):
    decision: Literal["approve", "return"]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None

    @field_validator("comment")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return v or None

    @model_validator(mode="after")
    def _return_needs_comment(self) -> "ReviewIn":
        if self.decision == "return" and not self.comment:
            raise ValueError("退回修改须填写意见")
        return self


class ExtendIn(BaseModel):
    days: int = Field(ge=1, le=30)
    explanation: Annotated[Text, StringConstraints(min_length=5, max_length=500)] = Field(
        description="向来信人说明延期理由")


class PublicationDraft(BaseModel):
    subject: Annotated[Text, StringConstraints(max_length=200)]
    body: Annotated[Text, StringConstraints(max_length=10000)]
    reply: Annotated[Text, StringConstraints(max_length=10000)]


class PublicationRead(BaseModel):
    id: int
    mailbox_id: int
    mailbox_name: str
    kind: ComplaintKind
    subject: str
    body: str
    reply: str
    reply_unit_name: str | None
    submitted_date: date
    replied_date: date
    published_at: datetime


class ComplaintStatsRow(BaseModel):
    id: int | None
    name: str
    received: int
    accepted: int
    not_accepted: int
    due: int = Field(description="应答复：已答复、已过答复期限或不予受理的来信")
    replied: int
    reply_rate: float | None = Field(description="办复率（%）= 已答复 ÷ 应答复；无应答复来信时为空")
    on_time_rate: float | None
    avg_reply_working_days: float | None
    rated: int
    satisfaction_rate: float | None = Field(description="（满意 + 基本满意）÷ 已评价")


class StatisticsRead(BaseModel):
    start: date
    end: date
    definition: str = Field(description="办复率的口径，与数字一并显示")
    total: ComplaintStatsRow
    by_mailbox: list[ComplaintStatsRow]
    by_department: list[ComplaintStatsRow]


class PublicSummary(BaseModel):
    month: str
    received: int
    due: int = Field(description="应答复：已答复、已过答复期限或不予受理的来信")
    replied: int
    reply_rate: float | None = Field(description="办复率（%）= 已答复 ÷ 应答复；无应答复来信时为空")
    definition: str = Field(description="办复率的口径，与数字一并显示")
    satisfaction_rate: float | None
    published: int


class DueJobsReport(BaseModel):
    auto_completed: int

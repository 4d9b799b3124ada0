from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.calendar.schemas import ClockRead
from api.disclosure_requests.states import (
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
from api.validation import INT4_MAX, Id

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Short = Annotated[Text, StringConstraints(max_length=200)]
Note = Annotated[Text, StringConstraints(max_length=2000)]
_PHONE = r"^[0-9+\-() ]{5,20}$"
MAX_APPLICATION_FILES = 10


class DisclosureRequestCreate(BaseModel):
    """Art. 29: who asks (name, identity document, contact), what they ask for, and in which form and route."""

    unit_id: Id = Field(description="受理申请的机关（单位）")
    applicant_type: ApplicantType
    applicant_name: Annotated[Text, StringConstraints(max_length=100)]
    identity_no: Annotated[Text, StringConstraints(max_length=40)] = Field(
        description="身份证件号码；法人或其他组织填统一社会信用代码")
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=_PHONE)]
    contact_email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200,
                                                    pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    contact_address: Short | None = None
    info_name: Short | None = Field(default=None, description="所需信息的名称")
    info_doc_no: Annotated[Text, StringConstraints(max_length=100)] | None = Field(default=None, description="文号")
    info_description: Annotated[Text, StringConstraints(max_length=5000)] = Field(description="所需信息的内容描述")
    delivery_form: DeliveryForm
    delivery_route: DeliveryRoute
    attachment_ids: list[Id] = Field(default_factory=list, max_length=MAX_APPLICATION_FILES,
                                     description="随申请提交的材料：先上传到 /disclosure-requests/uploads，再在此列出")


class DisclosureRequestRecord(DisclosureRequestCreate):
    """A request staff record from a letter, fax, e-mail or a walk-in, with Art. 31's date of receipt."""

    channel: ReceiptChannel
    received_date: date = Field(description="收到申请之日（条例第三十一条）")


class SupplementRequestIn(BaseModel):
    note: Note = Field(description="需要补正的事项")
    due_date: date = Field(description="补正期限")


class SupplementIn(BaseModel):
    text: Annotated[Text, StringConstraints(max_length=5000)] = Field(description="补正后的申请内容")


class ExtendIn(BaseModel):
    days: int = Field(ge=1, le=20, description="延长的工作日数（不超过 20 个工作日）")
    approver: Annotated[Text, StringConstraints(max_length=100)] = Field(description="批准延期的负责人")
    reason: Note


class ConsultIn(BaseModel):
    kind: ConsultKind
    party: Short = Field(description="被征求意见的第三方或机关")
    note: Note | None = None


class EndConsultationIn(BaseModel):
    note: Note | None = Field(default=None, description="意见答复情况；第三方逾期未提出意见的，由本机关决定")


class FeeNoticeIn(BaseModel):
    method: FeeMethod
    pages: int | None = Field(default=None, ge=0, le=1_000_000, description="按量计收时的页数")
    due_date: date = Field(description="缴费期限")

    @model_validator(mode="after")
    def _pages_for_volume(self) -> "FeeNoticeIn":
        if self.method == FeeMethod.volume and self.pages is None:
            raise ValueError("按量计收须填写页数")
        return self


class ReplyIn(BaseModel):
    outcome: Outcome
    reason: Reason | None = Field(default=None, description="不予公开、无法提供、不予处理、其他处理须选择理由")
    body: Annotated[Text, StringConstraints(max_length=20000)] | None = Field(
        default=None, description="答复正文；不填则按模板生成")
    legal_basis: Annotated[Text, StringConstraints(max_length=500)] | None = Field(
        default=None, description="法律依据；不填则引用条例相应条款")
    referral: Annotated[Text, StringConstraints(max_length=500)] | None = Field(
        default=None, description="负责公开该信息的机关名称及联系方式（如知道）")


class ReviewIn(BaseModel):
    """Section 四 counts a review or suit in the year of its decision, and as 尚未审结 at the end of each year it
    was open (filed by then, not yet decided)."""

    kind: ReviewKind
    result: ReviewResult
    filed_date: date | None = Field(default=None, description="申请复议或起诉的日期；不填为今天")
    decided_date: date | None = Field(default=None, description="复议决定或裁判的日期；尚未审结的不填")

    @model_validator(mode="after")
    def _decided_unless_pending(self) -> "ReviewIn":
        if self.result == ReviewResult.pending and self.decided_date is not None:
            raise ValueError("尚未审结的不填决定日期")
        if self.result != ReviewResult.pending and self.decided_date is None:
            raise ValueError("已审结的须填写复议决定或裁判的日期")
        return self


class CloseIn(BaseModel):
    note: Note | None = None


class RequestEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str | None
    actor_name: str
    note: str | None
    at: datetime


class DisclosureRequestAttachmentRead(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    kind: str = Field(description="application: 申请材料; reply: 答复及公开的文件")


class DisclosureRequestSummary(BaseModel):
    id: int
    tracking_no: str
    unit_id: int
    unit_name: str
    applicant_type: ApplicantType
    applicant_name: str
    info_summary: str
    channel: ReceiptChannel
    received_date: date
    status: RequestStatus
    outcome: Outcome | None
    reason: Reason | None
    clock: ClockRead | None


class DisclosureRequestRead(DisclosureRequestSummary):
    identity_no: str
    contact_phone: str
    contact_email: str | None
    contact_address: str | None
    info_name: str | None
    info_doc_no: str | None
    info_description: str
    delivery_form: DeliveryForm
    delivery_route: DeliveryRoute
    supplement_note: str | None
    supplement_due_date: date | None
    supplement_text: str | None
    supplemented_date: date | None
    extension_days: int
    extension_approver: str | None
    extension_reason: str | None
    consult_kind: ConsultKind | None
    consult_party: str | None
    consult_due_date: date | None
    fee_method: FeeMethod | None
    fee_quantity: int | None
    fee_amount: int | None
    fee_due_date: date | None
    fee_paid_date: date | None
    legal_basis: str | None
    reply_body: str | None
    referral: str | None
    remedy: str | None = Field(description="救济途径（行政复议、行政诉讼及其期限）")
    finished_date: date | None
    on_the_spot: bool = Field(description="当场答复")
    review_kind: ReviewKind | None
    review_result: ReviewResult | None
    review_filed_date: date | None
    review_decided_date: date | None
    actions: list[str] = Field(description="调用者当前可执行的操作")
    events: list[RequestEventRead]
    attachments: list[DisclosureRequestAttachmentRead]


class DisclosureDueJobsReport(BaseModel):
    closed_no_supplement: int = Field(description="逾期不补正而终止处理的申请")
    closed_unpaid: int = Field(description="逾期未缴费而终止处理的申请")
    consultations_ended: int = Field(description="征求意见期满未答复、恢复计算答复期限的申请")


class FeeLineRead(BaseModel):
    first: int
    last: int
    unit_fee: int
    amount: int


class FeeQuote(BaseModel):
    method: FeeMethod
    quantity: int = Field(description="按件：本月第几件申请；按量：页数")
    amount: int = Field(description="应缴金额（元）")
    lines: list[FeeLineRead]


class ReplyTemplate(BaseModel):
    body: str
    legal_basis: str


Count = Annotated[int, Field(ge=0, le=INT4_MAX)]
Table = dict[str, dict[str, Count]]


class ReportProblem(BaseModel):
    row: str
    column: str
    value: int
    expected: int
    message: str


class ReportTexts(BaseModel):
    overview: Annotated[str, StringConstraints(max_length=20000)] = ""
    problems: Annotated[str, StringConstraints(max_length=20000)] = ""
    other: Annotated[str, StringConstraints(max_length=20000)] = ""


class ReportEntered(BaseModel):
    licensing: int | None = Field(default=None, ge=0, le=2**31 - 1, description="行政许可 本年处理决定数量")
    punishment: int | None = Field(default=None, ge=0, le=2**31 - 1, description="行政处罚 本年处理决定数量")
    enforcement: int | None = Field(default=None, ge=0, le=2**31 - 1, description="行政强制 本年处理决定数量")
    charges: float | None = Field(default=None, ge=0, le=1e9, description="行政事业性收费 本年收费金额（万元）")


class AnnualReportRead(BaseModel):
    year: int
    published: bool
    published_at: datetime | None
    disclosure_id: int | None = Field(description="发布后在“年度报告”栏目中生成的公开事项")
    texts: ReportTexts
    entered: ReportEntered
    section2: dict[str, dict[str, int]] = Field(description="规章、行政规范性文件：本年制发、本年废止、现行有效")
    section3: Table = Field(description="行 → 列（申请人类型及总计）→ 件数")
    section4: Table = Field(description="复议诉讼类别 → 结果 → 件数")
    section3_adjusted: bool = Field(description="第三部分表格经人工修正（否则按申请自动统计）")
    fees_collected: int = Field(description="本年收取的信息处理费（元）")
    problems: list[ReportProblem] = Field(description="未通过的校验规则，逐格说明")
    layout: dict[str, list[dict[str, str]]] = Field(description="各表的行、列及其中文名称（按报告格式排序）")


class AnnualReportUpdate(BaseModel):
    texts: ReportTexts | None = None
    entered: ReportEntered | None = None
    section3: Table | None = Field(default=None, description="修正后的第三部分表格；不填则按申请自动统计")
    section4: Table | None = None
    reset_tables: bool = Field(default=False, description="放弃人工修正，恢复自动统计")


class PublishIn(BaseModel):
    column_id: Id = Field(description="“年度报告”栏目")


class GuideSection(BaseModel):
    title: Annotated[Text, StringConstraints(max_length=100)]
    body: Annotated[Text, StringConstraints(max_length=20000)]


class GuideRead(BaseModel):
    sections: list[GuideSection]
    remedy: str = Field(description="答复书告知的救济途径")
    reply_days: int = Field(description="答复期限（工作日）")


class GuideUpdate(BaseModel):
    sections: list[GuideSection] = Field(min_length=1, max_length=30)

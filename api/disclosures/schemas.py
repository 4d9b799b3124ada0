from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from api.disclosures.states import ChangeKind, DisclosureStatus, Freshness, Validity, VersionStatus
from api.files.schemas import AttachmentRead
from api.validation import Id


class ColumnRef(BaseModel):
    id: int
    name: str
    slug: str


class OrgRef(BaseModel):
    id: int
    name: str


class ColumnNode(BaseModel):
    id: int
    parent_id: int | None
    name: str
    slug: str
    freshness: Freshness
    is_homepage: bool
    review_levels: int
    owner_unit: OrgRef
    item_count: int = Field(description="本栏目已发布信息数")
    total_count: int = Field(description="含下级栏目的已发布信息数")
    latest_published_at: datetime | None
    is_stale: bool = Field(description="按栏目更新要求（国办函〔2019〕38号）已超期未更新")
    children: list["ColumnNode"] = Field(default_factory=list)


class ColumnUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    freshness: Freshness | None = None
    is_homepage: bool | None = None
    review_levels: int | None = Field(default=None, ge=1, le=5)


class IndexSchemeIn(BaseModel):
    org_code: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z\-]+$")
    pattern: str = Field(default="{org_code}/{year}-{seq:05d}", min_length=5, max_length=100)


class IndexSchemeRead(IndexSchemeIn):
    org_unit_id: int


class DisclosureFields(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=1000)
    body_html: str = Field(default="", max_length=500_000, description="正文（富文本，按白名单清洗）")
    doc_no: str | None = Field(default=None, max_length=100, description="文号")
    topic: str | None = Field(default=None, max_length=50, description="主题分类")
    genre: str | None = Field(default=None, max_length=50, description="体裁")
    written_date: date | None = Field(default=None, description="成文日期")
    validity: Validity = Validity.valid
    effective_date: date | None = Field(default=None, description="生效日期")
    invalid_date: date | None = Field(default=None, description="失效或废止日期")
    interprets_id: Id | None = Field(default=None, description="政策解读所解读的政策文件")
    change_note: str | None = Field(default=None, max_length=500)
    is_major: bool = Field(default=True, description="重大变更（更新发布日期）或一般更正")

    @model_validator(mode="after")
    def _validity_dates(self) -> "DisclosureFields":
        if self.validity != Validity.valid and self.invalid_date is None:
            raise ValueError("失效或废止的信息须填写失效/废止日期")
        if self.effective_date and self.invalid_date and self.invalid_date < self.effective_date:
            raise ValueError("失效日期不能早于生效日期")
        return self


class DisclosureCreate(DisclosureFields):
    column_id: Id
    publisher_id: Id | None = Field(default=None, description="发布机构；缺省为本人所在单位")


class VersionUpdate(BaseModel):
    column_id: Id | None = None
    publisher_id: Id | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=1000)
    body_html: str | None = Field(default=None, max_length=500_000)
    doc_no: str | None = Field(default=None, max_length=100)
    topic: str | None = Field(default=None, max_length=50)
    genre: str | None = Field(default=None, max_length=50)
    written_date: date | None = None
    validity: Validity | None = None
    effective_date: date | None = None
    invalid_date: date | None = None
    interprets_id: Id | None = None
    change_note: str | None = Field(default=None, max_length=500)
    is_major: bool | None = None


class FindingRead(BaseModel):
    kind: Literal["classification", "resident_id", "mobile", "bank_card"]
    label: str
    field: str
    start: int = Field(description="在该字段纯文本中的起始位置（从 0 起）")
    end: int
    match: str = Field(description="命中内容（个人信息已打码）")
    context: str
    blocking: bool


class DisclosureSummary(BaseModel):
    id: int
    index_no: str | None
    title: str
    summary: str
    column: ColumnRef
    publisher: OrgRef
    doc_no: str | None
    topic: str | None
    genre: str | None
    written_date: date | None
    published_at: datetime | None
    validity: Validity
    has_attachments: bool
    status: DisclosureStatus
    title_html: str | None = Field(default=None, description="检索时：标题，命中处以 <mark> 标出（已转义）")
    snippet_html: str | None = Field(default=None, description="检索时：正文摘录，命中处以 <mark> 标出（已转义）")


class DisclosurePage(BaseModel):
    items: list[DisclosureSummary]
    next_cursor: str | None = None
    total: int | None = Field(default=None, description="检索时：命中的已发布信息条数（见 total_exact）")
    total_exact: bool | None = Field(
        default=None, description="检索时：true 为精确条数；false 表示命中超过 1000 条，total 为下限（至少这么多条）")


class DisclosureLink(BaseModel):
    id: int
    title: str


class DisclosureRead(DisclosureSummary):
    body_html: str
    interprets: DisclosureLink | None = Field(default=None, description="本解读所解读的政策文件")
    interpretations: list[DisclosureLink] = Field(default_factory=list, description="本文件的政策解读")
    effective_date: date | None
    invalid_date: date | None
    version_no: int
    first_published_at: datetime | None
    updated_at: datetime
    view_count: int
    attachments: list[AttachmentRead]
    retracted_at: datetime | None = None
    retract_reason: str | None = None
    pending_version_id: int | None = Field(default=None, description="工作人员可见：正在编辑或审核中的新版本")


class UserRef(BaseModel):
    id: int | None
    name: str


class VersionSummary(BaseModel):
    id: int
    disclosure_id: int
    version_no: int
    status: VersionStatus
    status_label: str
    title: str
    column: ColumnRef
    publisher: OrgRef
    author: UserRef
    index_no: str | None
    review_levels: int
    approved_levels: int
    finding_count: int
    blocking_count: int
    updated_at: datetime
    submitted_at: datetime | None


class VersionRead(VersionSummary):
    summary: str
    body_html: str
    doc_no: str | None
    topic: str | None
    genre: str | None
    written_date: date | None
    validity: Validity
    effective_date: date | None
    invalid_date: date | None
    interprets_id: int | None = None
    change_note: str | None
    is_major: bool
    findings: list[FindingRead]
    personal_data_confirmed: bool
    attachments: list[AttachmentRead]
    disclosure_status: DisclosureStatus
    created_at: datetime
    published_at: datetime | None
    allowed_actions: list[str] = Field(description="当前用户可执行的操作")


class DisclosureEventRead(BaseModel):
    id: int
    version_id: int | None
    version_no: int | None
    action: str
    from_status: str | None
    to_status: str | None
    review_level: int | None
    comment: str | None
    actor: UserRef
    actor_role: str | None
    at: datetime


class DisclosureCommentIn(BaseModel):
    comment: str | None = Field(default=None, max_length=1000)


class SendBackIn(BaseModel):
    comment: str = Field(min_length=2, max_length=1000, description="退回理由")


class PublishIn(BaseModel):
    comment: str | None = Field(default=None, max_length=1000)
    confirm_personal_data: bool = Field(default=False, description="确认所列个人信息依法可以公开")


class RetractIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="撤回理由")


class ChangeRead(BaseModel):
    seq: int
    kind: ChangeKind
    disclosure_id: int
    index_no: str | None
    version_no: int
    at: datetime
    url: str


class ChangesPage(BaseModel):
    items: list[ChangeRead]
    next_cursor: str = Field(description="下次轮询时作为 since 传入")
    has_more: bool


def finding_models(raw: list[dict[str, Any]]) -> list[FindingRead]:
    return [FindingRead.model_validate(f) for f in raw]

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from api.applications.states import ApplicationStatus, Decision
from api.calendar.schemas import ClockRead, DeadlineStatus
from api.catalog.service import FormField, UnitRef
from api.validation import Id

Note = Field(default=None, max_length=2000)


class ApplicationCreate(BaseModel):
    service_code: str = Field(min_length=1, max_length=32)
    data: dict[str, Any] = Field(description="按事项表单定义填写；文件字段填已上传附件的编号列表")


class NoteIn(BaseModel):
    note: str | None = Note


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


class SupplementRequestIn(BaseModel):
    items: list[str] = Field(min_length=1, max_length=20, description="需补正的材料或内容")
    note: str | None = Note

    @model_validator(mode="after")
    def _nonblank(self) -> "SupplementRequestIn":
        self.items = [i.strip() for i in self.items if i.strip()]
        if not self.items:
            raise ValueError("请列出需要补正的内容")
        return self


class SupplementIn(BaseModel):
    data: dict[str, Any] = Field(default_factory=dict, description="更正或补充的表单字段")
    note: str | None = Note


class DecisionIn(BaseModel):
    decision: Literal["approve", "refuse"]
    note: str | None = Field(default=None, max_length=2000, description="审批意见；不予批准时必填")
    org_unit_id: Id | None = Field(default=None, description="代表哪个部门决定（经办人管辖多个审批部门时）")
    result_attachment_ids: list[Id] = Field(default_factory=list, max_length=5, description="办结结果文书")

    @model_validator(mode="after")
    def _reason(self) -> "DecisionIn":
        if self.decision == "refuse" and not (self.note or "").strip():
            raise ValueError("不予批准须说明理由")
        return self


class AssignIn(BaseModel):
    user_id: Id


class AssigneeRead(BaseModel):
    id: int
    display_name: str
    org_unit: UnitRef | None
    open_applications: int = Field(description="本人名下在办（未办结）的申请件数")
    is_assignee: bool = Field(description="已是本件的经办人")


class ClockBrief(BaseModel):
    deadline_at: datetime | None
    status: DeadlineStatus
    left_working_days: int | None


class ApprovalRead(BaseModel):
    org_unit: UnitRef
    decision: Decision
    note: str | None
    decided_by_name: str | None
    decided_at: datetime | None


class ApplicationEventRead(BaseModel):
    id: int
    action: str
    action_label: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus | None
    actor_name: str
    note: str | None
    detail: dict[str, Any] | None
    created_at: datetime


class ApplicationAttachmentRead(BaseModel):
    id: int
    kind: Literal["material", "result"]
    field: str | None
    filename: str
    content_type: str
    size: int
    created_at: datetime


ApplicationAction = Literal["claim", "assign", "accept", "not-accept", "supplement-request", "start", "decisions",
                            "withdraw", "supplement"]


class ApplicationSummary(BaseModel):
    id: int
    tracking_no: str
    service_code: str
    service_name: str
    status: ApplicationStatus
    status_label: str
    applicant_name: str
    owner_unit: UnitRef
    assignee_name: str | None
    submitted_at: datetime
    decided_at: datetime | None
    deadline: ClockBrief | None
    actions: list[ApplicationAction] = Field(
        default_factory=list, description="调用者此刻可执行的操作（即对应的操作接口名），界面只显示这些按钮；"
                                          "列表中只给出领取（claim）与分派（assign）")


class ApplicationRead(ApplicationSummary):
    service_version: int
    form: list[FormField]
    data: dict[str, Any]
    attachments: list[ApplicationAttachmentRead]
    approvals: list[ApprovalRead]
    supplement_request: dict[str, Any] | None
    reason: str | None
    result_note: str | None
    on_time: bool | None
    used_working_days: int | None
    clock: ClockRead | None
    events: list[ApplicationEventRead]
    version: int


class ApplicationStatsRow(BaseModel):
    key: str
    name: str
    total: int
    by_status: dict[str, int]
    decided: int
    on_time: int
    on_time_rate: float | None = Field(description="按时办结率（已办结与不予批准中按时的比例）")
    avg_working_days: float | None = Field(description="平均办理工作日")
    ratings: int
    satisfied: int
    satisfaction_rate: float | None = Field(description="满意率（满意与非常满意 ÷ 有效评价）")


class ApplicationStatistics(BaseModel):
    totals: ApplicationStatsRow
    by_service: list[ApplicationStatsRow]
    by_unit: list[ApplicationStatsRow]

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.validation import Id, Int4


class FieldType(StrEnum):
    string = "string"
    text = "text"
    number = "number"
    date = "date"
    datetime = "datetime"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    phone = "phone"
    resident_id = "resident_id"
    file = "file"


CHOICE_TYPES = {FieldType.single_choice, FieldType.multiple_choice}


class FormField(BaseModel):
    # Frozen: the catalogue cache shares parsed forms between requests (see api/catalog/service.py).
    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="字段标识")
    label: str = Field(min_length=1, max_length=60)
    type: FieldType
    required: bool = False
    order: Int4 = 0
    help: str | None = Field(default=None, max_length=300)
    options: tuple[str, ...] | None = Field(default=None, max_length=50)
    max_length: int | None = Field(default=None, ge=1, le=5000)
    min: float | None = None
    max: float | None = None
    max_files: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _consistent(self) -> "FormField":
        if self.type in CHOICE_TYPES and not self.options:
            raise ValueError("选择题字段必须给出选项")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("最小值不能大于最大值")
        return self


class Material(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    required: bool = True
    copies: str | None = Field(default=None, max_length=100, description="份数与形式，如“原件1份”")
    note: str | None = Field(default=None, max_length=300)
    template_attachment_id: Id | None = Field(default=None, description="空白表格或样表附件")


class ServiceGuide(BaseModel):
    legal_basis: list[str] = Field(default_factory=list, description="设定依据")
    eligibility: list[str] = Field(default_factory=list, description="申请条件")
    materials: list[Material] = Field(default_factory=list, description="申请材料")
    steps: list[str] = Field(default_factory=list, description="办理流程")
    fees: str = Field(default="不收费", max_length=300)
    where: str = Field(default="", max_length=300, description="办理地点")
    how: str = Field(default="网上办理", max_length=300, description="办理方式")
    hours: str = Field(default="", max_length=200, description="办理时间")
    consult_phone: str = Field(default="", max_length=50)
    complaint_phone: str = Field(default="", max_length=50)


class ServiceVersionIn(BaseModel):
    name: str = Field(min_length=2, max_length=100)
    category: str = Field(default="", max_length=40)
    promised_days: int = Field(ge=1, le=365, description="承诺时限（工作日）")
    statutory_days: int = Field(ge=1, le=365, description="法定时限（工作日）")
    guide: ServiceGuide
    form: list[FormField] = Field(min_length=1, max_length=60)
    approval_unit_ids: list[Id] = Field(default_factory=list, max_length=10,
                                         description="并联审批部门；为空时仅由主办部门审批")

    @model_validator(mode="after")
    def _checks(self) -> "ServiceVersionIn":
        names = [f.name for f in self.form]
        if len(set(names)) != len(names):
            raise ValueError("表单字段标识不能重复")
        if self.promised_days > self.statutory_days:
            raise ValueError("承诺时限不能长于法定时限")
        return self


class ServiceCreate(ServiceVersionIn):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")
    owner_unit_id: Id


class UnitRef(BaseModel):
    id: int
    name: str


class ServiceSummary(BaseModel):
    id: int
    code: str
    name: str
    category: str
    owner_unit: UnitRef
    version: int
    promised_days: int
    statutory_days: int
    parallel: bool


class ServiceRead(ServiceSummary):
    guide: ServiceGuide
    form: list[FormField]
    approval_units: list[UnitRef]
    published_at: datetime

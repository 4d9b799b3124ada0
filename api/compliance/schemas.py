from datetime import date, datetime

from pydantic import BaseModel, Field

from api.compliance.states import CheckCode, LinkSource, LinkStatus, Severity


class Finding(BaseModel):
    check: CheckCode
    subject: str = Field(description="栏目、信息、来信、事项或链接")
    detail: str
    unit_id: int | None = Field(description="责任部门")
    unit_name: str | None
    fix_url: str = Field(description="处理它的页面（SPA 路径或链接）")
    since: datetime | None = None
    days: int | None = Field(default=None, description="已过天数")


class CheckResult(BaseModel):
    code: CheckCode
    severity: Severity
    fail_at: int = Field(description="达到该数量即不合格；0 表示仅列出")
    count: int
    failed: bool
    findings: list[Finding]


class ComplianceReport(BaseModel):
    generated_at: datetime
    failed_vetoes: int = Field(description="不合格的单项否决指标数")
    links_checked_at: datetime | None
    outbound_checks: bool
    checks: list[CheckResult]


class SnapshotPoint(BaseModel):
    day: date
    check: CheckCode
    findings: int
    failed: bool


class ComplianceSettingsRead(BaseModel):
    outbound_checks: bool
    own_hosts: list[str]


class ComplianceSettingsIn(BaseModel):
    outbound_checks: bool = Field(description="允许链接检查访问外部网站（内网与本机地址始终不访问）")
    own_hosts: list[str] = Field(default_factory=list, max_length=20,
                                 description="本站域名：指向这些域名的链接按站内链接检查")


class LinkCheckRun(BaseModel):
    checked: int
    broken: int
    unchecked: int


class LinkCheckRead(BaseModel):
    id: int
    disclosure_id: int
    source: LinkSource
    url: str
    external: bool
    status: LinkStatus
    reason: str
    checked_at: datetime

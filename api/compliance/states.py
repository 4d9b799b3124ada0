"""The 国办函〔2019〕38号 checks the compliance radar runs, as data: codes, labels, thresholds and whether a
failure is a veto (单项否决) or a deduction (扣分). Labels are defined here and reach the SPA from GET /vocabulary."""

from enum import StrEnum

from api.cases.workflow import register_enum


class CheckCode(StrEnum):
    homepage_stale = "homepage_stale"  # 首页不更新: nothing new on the home page for 2 weeks
    column_stale = "column_stale"  # 栏目不更新: ≥5 columns past their freshness class
    column_empty = "column_empty"  # 空白栏目: ≥5 columns without a published item
    message_unanswered = "message_unanswered"  # 互动回应差: a valid message unanswered for more than 3 months
    item_undated = "item_undated"  # a published item without a publication date counts as not updated
    guide_incomplete = "guide_incomplete"  # 服务不实用: 办事指南 missing one of the ten key elements
    broken_link = "broken_link"  # 链接不可用 (a deduction item): internal links that lead nowhere
    external_link = "external_link"  # external links, listed; fetched only when an admin enables outbound checks


class Severity(StrEnum):
    veto = "veto"
    deduction = "deduction"
    info = "info"


CHECK_LABELS = {
    CheckCode.homepage_stale: "首页两周未更新",
    CheckCode.column_stale: "栏目不更新",
    CheckCode.column_empty: "空白栏目",
    CheckCode.message_unanswered: "留言超过三个月未答复",
    CheckCode.item_undated: "信息无发布日期",
    CheckCode.guide_incomplete: "办事指南要素缺失",
    CheckCode.broken_link: "链接不可用",
    CheckCode.external_link: "外部链接（未检测）",
}
SEVERITY_LABELS = {Severity.veto: "单项否决", Severity.deduction: "扣分项", Severity.info: "提示"}

SEVERITY = {
    CheckCode.homepage_stale: Severity.veto,
    CheckCode.column_stale: Severity.veto,
    CheckCode.column_empty: Severity.veto,
    CheckCode.message_unanswered: Severity.veto,
    CheckCode.item_undated: Severity.veto,
    CheckCode.guide_incomplete: Severity.veto,
    CheckCode.broken_link: Severity.deduction,
    CheckCode.external_link: Severity.info,
}

# How many findings make the check fail. 38号: ≥5 stale columns, ≥5 empty columns; any unanswered valid message.
# Guides: the text verified says "办事指南 with missing key elements" fails; a recalled "≥5 guides missing ≥5
# elements" is unverified, so the radar takes the stricter reading (any guide missing any element).
FAIL_AT = {
    CheckCode.homepage_stale: 1,
    CheckCode.column_stale: 5,
    CheckCode.column_empty: 5,
    CheckCode.message_unanswered: 1,
    CheckCode.item_undated: 1,
    CheckCode.guide_incomplete: 1,
    CheckCode.broken_link: 1,
    CheckCode.external_link: 0,  # never fails: a list for people to look at
}

HOMEPAGE_DAYS = 14
UNANSWERED_MONTHS = 3

# The ten key elements of a 办事指南 (38号), each with the guide field that holds it.
GUIDE_ELEMENTS = {
    "name": "事项名称",
    "legal_basis": "设定依据",
    "eligibility": "申请条件",
    "materials": "办理材料",
    "where": "办理地点",
    "owner_unit": "办理机构",
    "fees": "收费标准",
    "hours": "办理时间",
    "consult_phone": "联系电话",
    "steps": "办理流程",
}


class LinkSource(StrEnum):
    body = "body"  # an <a href> or <img src> in a published item's body
    attachment = "attachment"  # a file attached to a published item


class LinkStatus(StrEnum):
    ok = "ok"
    broken = "broken"
    unchecked = "unchecked"  # external, outbound checks off


LINK_STATUS_LABELS = {LinkStatus.ok: "正常", LinkStatus.broken: "不可用", LinkStatus.unchecked: "未检测"}

register_enum("compliance_check", CHECK_LABELS)
register_enum("compliance_severity", SEVERITY_LABELS)
register_enum("compliance_link_status", LINK_STATUS_LABELS)

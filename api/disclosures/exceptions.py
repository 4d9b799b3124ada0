from typing import Any

from api.errors import AppError, Conflict, Forbidden, NotFound


class DisclosureNotFound(NotFound):
    code = "disclosure_not_found"
    title = "公开信息不存在"


class ColumnNotFound(NotFound):
    code = "column_not_found"
    title = "栏目不存在"


class NotInScope(Forbidden):
    code = "not_in_scope"
    title = "该栏目不属于您所在单位"


class SelfApproval(Forbidden):
    code = "self_approval"
    title = "不能审核自己撰写的信息"


# The checked fields as the problem detail names them (the SPA's FindingsList uses the same labels).
FIELD_LABELS = {"title": "标题", "summary": "摘要", "body": "正文", "body_html": "正文", "doc_no": "文号",
                "attachments": "附件名称"}


class ClassifiedContent(Conflict):
    """A classification marking was found: the item cannot be submitted or published."""

    code = "classification_marking"
    title = "内容含有密级标志，不得公开"

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        where = "；".join(f"{FIELD_LABELS.get(f['field'], f['field'])}第 {f['start'] + 1} 字处“{f['match']}”"
                         for f in findings)
        super().__init__(f"发现密级标志：{where}", findings=findings)


class PersonalDataUnconfirmed(Conflict):
    code = "personal_data_unconfirmed"
    title = "含有个人信息，须保密审查员确认或删除后方可发布"

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        super().__init__(f"发现 {len(findings)} 处个人信息，请确认可以公开或退回修改", findings=findings)


class PendingVersionExists(Conflict):
    code = "pending_version_exists"
    title = "该信息已有未完成的新版本"


class IndexSchemeInvalid(AppError):
    status = 422  # invalid input, not a conflict with the item's state
    code = "index_scheme_invalid"
    title = "索引号规则无效"

from api.errors import Conflict, NotFound


class DisclosureRequestNotFound(NotFound):
    code = "disclosure_request_not_found"
    title = "未找到该政府信息公开申请"


class SupplementNotAllowed(Conflict):
    """Art. 30: one 补正 notice only, within 7 working days of receipt."""

    code = "supplement_not_allowed"
    title = "不能告知补正"


class OnTheSpotNotAllowed(Conflict):
    """Art. 33: a reply on the spot is given on the day the request is received, before any other step."""

    code = "on_the_spot_not_allowed"
    title = "不能当场答复"


class AlreadyExtended(Conflict):
    code = "already_extended"
    title = "答复期限只能延长一次"


class DeadlineNotPassed(Conflict):
    code = "deadline_not_passed"
    title = "期限尚未届满，不能终止处理"


class DeadlinePassed(Conflict):
    code = "deadline_passed"
    title = "期限已过"


class NoFeeDue(Conflict):
    code = "no_fee_due"
    title = "按规定本申请无需收费"


class ReportCheckFailed(Conflict):
    """The annual report breaks the form's check rule (一 + 二 = 三 + 四) or a 总计; names the cell."""

    code = "report_check_failed"
    title = "年度报告未通过校验"


class ReportAlreadyPublished(Conflict):
    code = "report_already_published"
    title = "该年度报告已发布"

from api.errors import Conflict, NotFound


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"
    title = "未找到该来信"


class LookupFailed(NotFound):
    """The same answer for an unknown tracking number and a wrong query code."""

    code = "complaint_not_found"
    title = "受理编号或查询码不正确"


class MailboxNotFound(NotFound):
    code = "mailbox_not_found"
    title = "信箱不存在"


class AlreadyRated(Conflict):
    code = "already_rated"
    title = "已评价过该答复"


class PublicationNotAllowed(Conflict):
    code = "publication_not_allowed"
    title = "该来信不能公开选登"

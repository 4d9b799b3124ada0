"""Errors of the auth kernel and of account administration, each with a stable problem+json `code`."""

from api.errors import Conflict, Forbidden


class PasswordChangeRequired(Forbidden):
    """The token was issued while the account must change its password: it can only do that."""

    code = "password_change_required"
    title = "请先修改密码"


class SeparatedRoleAccount(Forbidden):
    """三员分立: accounts holding admin, security_admin or auditor are managed by a security admin only."""

    code = "separated_role_account"
    title = "三员账号只能由安全管理员管理"


class OwnAccount(Forbidden):
    code = "own_account"
    title = "不能管理自己的账号"


class LastRoleHolder(Conflict):
    code = "last_role_holder"
    title = "不能停用最后一名三员角色持有人"


class CsrfCheckFailed(Forbidden):
    """A refresh token that came in a cookie without the header only our own pages send."""

    code = "csrf_check_failed"
    title = "请求来源校验失败"

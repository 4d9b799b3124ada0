from api.errors import Conflict, Forbidden


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"
    title = "该申请刚被他人处理，请刷新后重试"


class NotHandler(Forbidden):
    code = "not_handler"
    title = "仅限本部门经办人办理"


class NotApplicant(Forbidden):
    code = "not_applicant"
    title = "仅限申请人本人操作"


class AlreadyClaimed(Conflict):
    code = "already_claimed"
    title = "该申请已被其他经办人领取"


class ServiceChanging(Conflict):
    code = "service_changing"
    title = "该办事事项正在更新，请稍后重新提交"

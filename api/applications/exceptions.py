from api.errors import Conflict, Forbidden, ServiceUnavailable


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


class TrackingSequenceMissing(ServiceUnavailable):
    code = "tracking_sequence_missing"
    title = "受理编号序列尚未创建，暂不能受理新的申请"

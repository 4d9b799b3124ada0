from api.errors import Conflict, NotFound


class SurveyNotFound(NotFound):
    code = "survey_not_found"
    title = "调查不存在"


class ConsultationNotFound(NotFound):
    code = "consultation_not_found"
    title = "征集意见不存在"


class AlreadyResponded(Conflict):
    code = "already_responded"
    title = "您已参加过本次调查"


class NotAccepting(Conflict):
    code = "not_accepting"
    title = "当前不在参与时间内"


class PeriodNotOver(Conflict):
    code = "consultation_period_not_over"
    title = "征求意见期尚未结束"


class SummaryRequired(Conflict):
    code = "summary_required"
    title = "须先公布意见采纳情况才能结束征集"

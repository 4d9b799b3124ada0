"""The complaint lifecycle as data: the Workflow (states, actions, their labels, the transitions keyed by
action), the groups code asks about, and the labelled value lists. Labels are defined here and nowhere else;
GET /vocabulary serves them to the SPA, and the writer's lookup shows the same words as the staff queue."""

from enum import StrEnum

from api.cases.workflow import Reminders, Workflow, register, register_enum


class ComplaintStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"  # 受理
    not_accepted = "not_accepted"  # 不予受理（无效来信）
    forwarded = "forwarded"  # 转办
    pending_review = "pending_review"  # 答复待领导审核
    replied = "replied"  # 答复
    completed = "completed"  # 办结


class ComplaintAction(StrEnum):
    submit = "submit"
    accept = "accept"
    not_accept = "not_accept"
    forward = "forward"
    opinion = "opinion"  # 协办部门意见
    draft = "draft"
    approve = "approve"
    return_draft = "return_draft"
    extend = "extend"
    rate = "rate"
    reopen = "reopen"
    auto_complete = "auto_complete"
    remind = "remind"
    publish = "publish"
    withdraw_publication = "withdraw_publication"


class ComplaintKind(StrEnum):
    complaint = "complaint"  # 投诉
    inquiry = "inquiry"  # 咨询
    suggestion = "suggestion"  # 建议
    letter = "letter"  # 来信


class ComplaintChannel(StrEnum):
    """How the letter reached us: written on the portal (site or mini-program), relayed by a registered client
    through our API on the writer's behalf (the city's 12345 hotline, the province's 政务服务网), or filed
    through the Open311 façade."""

    portal = "portal"
    partner = "partner"
    open311 = "open311"


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


class NotAcceptReason(StrEnum):
    spam = "spam"
    abuse = "abuse"
    not_our_business = "not_our_business"
    duplicate = "duplicate"
    other = "other"


S, A = ComplaintStatus, ComplaintAction

OPEN = frozenset({S.submitted, S.accepted, S.forwarded, S.pending_review})  # the reply clock runs
ANSWERED = frozenset({S.replied, S.completed})
# Steps the writer sees in the history of their letter; drafts, reviews, opinions and reminders are internal.
PUBLIC_ACTIONS = frozenset({A.submit, A.accept, A.not_accept, A.forward, A.approve, A.extend, A.rate, A.reopen,
                            A.auto_complete, A.publish})


def _stays(states: frozenset[ComplaintStatus]) -> dict[ComplaintStatus, ComplaintStatus]:
    return {s: s for s in states}


COMPLAINT: Workflow[ComplaintStatus, ComplaintAction] = register(Workflow(
    name="complaint", label="来信", states=ComplaintStatus, actions=ComplaintAction,
    state_labels={S.submitted: "已提交", S.accepted: "已受理", S.not_accepted: "不予受理", S.forwarded: "已转办",
                  S.pending_review: "待领导审核", S.replied: "已答复", S.completed: "已办结"},
    action_labels={A.submit: "提交来信", A.accept: "受理", A.not_accept: "不予受理", A.forward: "转办",
                   A.opinion: "协办意见", A.draft: "拟定答复", A.approve: "领导审核通过并答复",
                   A.return_draft: "领导退回修改", A.extend: "延长答复时限", A.rate: "评价",
                   A.reopen: "不满意，重新办理", A.auto_complete: "逾期未评价，自动办结", A.remind: "到期提醒",
                   A.publish: "公开选登", A.withdraw_publication: "撤回公开"},
    transitions={
        A.accept: {S.submitted: S.accepted},
        A.not_accept: {S.submitted: S.not_accepted},
        A.forward: {S.accepted: S.forwarded, S.forwarded: S.forwarded},
        A.opinion: _stays(frozenset({S.forwarded, S.pending_review})),
        A.draft: {S.accepted: S.pending_review, S.forwarded: S.pending_review},
        A.approve: {S.pending_review: S.replied},
        # A leader returns a draft to whoever is handling it: the departments, or the mailbox owner.
        A.return_draft: {S.pending_review: frozenset({S.forwarded, S.accepted})},
        A.extend: _stays(OPEN),
        A.rate: {S.replied: S.completed},
        # 不满意 reopens the case once for a second handling, where it was handled.
        A.reopen: {S.replied: frozenset({S.forwarded, S.accepted})},
        A.auto_complete: {S.replied: S.completed},
        A.remind: _stays(OPEN),
        A.publish: _stays(ANSWERED),
        A.withdraw_publication: _stays(ANSWERED),
    },
    initial=S.submitted, create_action=A.submit,
    groups={"open": OPEN, "answered": ANSWERED},
    describe=lambda c: {"tracking_no": c.tracking_no},
    # The reply limit, and the second one of a letter reopened after a 不满意: the handlers of the unit handling it
    # (the lead department once forwarded, else the mailbox's owner), the leaders too once overdue; each reminder
    # is a step in the letter's internal history.
    reminders=Reminders(unit_id=lambda c: c.lead_unit_id or c.mailbox.owner_unit_id,
                        subject=lambda c: f"来信 {c.tracking_no}", staff_link=lambda c: f"/workspace/complaints/{c.id}",
                        applicant_kinds=frozenset(), clock_phases=("reopened",), load=("mailbox",),
                        history_action=A.remind),
))

KIND_LABELS = {ComplaintKind.complaint: "投诉", ComplaintKind.inquiry: "咨询", ComplaintKind.suggestion: "建议",
               ComplaintKind.letter: "来信"}
SATISFACTION_LABELS = {Satisfaction.satisfied: "满意", Satisfaction.basically_satisfied: "基本满意",
                       Satisfaction.dissatisfied: "不满意"}
NOT_ACCEPT_REASON_LABELS = {
    NotAcceptReason.spam: "垃圾信息", NotAcceptReason.abuse: "含辱骂、攻击等不文明内容",
    NotAcceptReason.not_our_business: "不属于本机关职责范围", NotAcceptReason.duplicate: "重复来信",
    NotAcceptReason.other: "其他",
}
CHANNEL_LABELS = {
    ComplaintChannel.portal: "本站（网站、小程序）",
    ComplaintChannel.partner: "接入客户端代为提交",
    ComplaintChannel.open311: "Open311 接口",
}
register_enum("complaint_kind", KIND_LABELS)
register_enum("complaint_channel", CHANNEL_LABELS)
register_enum("complaint_satisfaction", SATISFACTION_LABELS)
register_enum("complaint_not_accept_reason", NOT_ACCEPT_REASON_LABELS)

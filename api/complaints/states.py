"""The complaint lifecycle as data: states, the transitions allowed between them, and their groups."""

from enum import StrEnum


class ComplaintStatus(StrEnum):
    submitted = "submitted"  # 已提交
    accepted = "accepted"  # 已受理
    not_accepted = "not_accepted"  # 不予受理（无效来信）
    forwarded = "forwarded"  # 已转办
    pending_review = "pending_review"  # 答复待领导审核
    replied = "replied"  # 已答复
    completed = "completed"  # 已办结


class ComplaintKind(StrEnum):
    complaint = "complaint"  # 投诉
    inquiry = "inquiry"  # 咨询
    suggestion = "suggestion"  # 建议
    letter = "letter"  # 来信


class Satisfaction(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    dissatisfied = "dissatisfied"  # 不满意


class NotAcceptReason(StrEnum):
    spam = "spam"  # 垃圾信息
    abuse = "abuse"  # 辱骂、攻击等不文明内容
    not_our_business = "not_our_business"  # 不属于本机关职责
    duplicate = "duplicate"  # 重复来信
    other = "other"


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


S = ComplaintStatus
ALLOWED_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    S.submitted: frozenset({S.accepted, S.not_accepted}),
    S.accepted: frozenset({S.forwarded, S.pending_review}),
    S.forwarded: frozenset({S.forwarded, S.pending_review}),
    # A leader returns a draft to whoever is handling it: the departments, or the mailbox owner.
    S.pending_review: frozenset({S.replied, S.forwarded, S.accepted}),
    # 不满意 reopens the case once for a second handling.
    S.replied: frozenset({S.completed, S.forwarded, S.accepted}),
    S.not_accepted: frozenset(),
    S.completed: frozenset(),
}

OPEN = frozenset({S.submitted, S.accepted, S.forwarded, S.pending_review})
# Cases on which staff still owe the writer a reply (the deadline clock runs).
IN_HANDLING = frozenset({S.accepted, S.forwarded, S.pending_review})
ANSWERED = frozenset({S.replied, S.completed})
FINAL = frozenset({S.not_accepted, S.completed})

STATUS_LABELS = {
    S.submitted: "已提交", S.accepted: "已受理", S.not_accepted: "不予受理", S.forwarded: "办理中",
    S.pending_review: "办理中", S.replied: "已答复", S.completed: "已办结",
}
KIND_LABELS = {
    ComplaintKind.complaint: "投诉", ComplaintKind.inquiry: "咨询",
    ComplaintKind.suggestion: "建议", ComplaintKind.letter: "来信",
}
SATISFACTION_LABELS = {
    Satisfaction.satisfied: "满意", Satisfaction.basically_satisfied: "基本满意",
    Satisfaction.dissatisfied: "不满意",
}
NOT_ACCEPT_REASON_LABELS = {
    NotAcceptReason.spam: "垃圾信息", NotAcceptReason.abuse: "含辱骂、攻击等不文明内容",
    NotAcceptReason.not_our_business: "不属于本机关职责范围", NotAcceptReason.duplicate: "重复来信",
    NotAcceptReason.other: "其他",
}


def can_transition(src: ComplaintStatus, dst: ComplaintStatus) -> bool:
    return dst in ALLOWED_TRANSITIONS[src]

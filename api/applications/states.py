"""The application lifecycle as data: states, the allowed transitions, and the groups code asks about."""

from enum import StrEnum


class ApplicationStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"  # 受理
    not_accepted = "not_accepted"  # 不予受理
    supplement_requested = "supplement_requested"  # 补正
    in_progress = "in_progress"
    completed = "completed"  # 办结
    refused = "refused"  # 不予批准
    withdrawn = "withdrawn"


S = ApplicationStatus

ALLOWED_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.submitted: frozenset({S.accepted, S.not_accepted, S.supplement_requested, S.withdrawn}),
    S.accepted: frozenset({S.in_progress, S.supplement_requested, S.withdrawn}),
    # The applicant's supplement returns the case to the review it was taken from.
    S.supplement_requested: frozenset({S.submitted, S.accepted, S.in_progress, S.withdrawn}),
    S.in_progress: frozenset({S.supplement_requested, S.completed, S.refused, S.withdrawn}),
    S.not_accepted: frozenset(),
    S.completed: frozenset(),
    S.refused: frozenset(),
    S.withdrawn: frozenset(),
}

OPEN = frozenset({S.submitted, S.accepted, S.supplement_requested, S.in_progress})
FINAL = frozenset({S.not_accepted, S.completed, S.refused, S.withdrawn})
DECIDABLE = frozenset({S.accepted, S.in_progress})  # departments may record approval decisions
RATEABLE = frozenset({S.completed, S.refused})  # 好差评 after the outcome

STATUS_LABELS = {
    S.submitted: "已提交",
    S.accepted: "已受理",
    S.not_accepted: "不予受理",
    S.supplement_requested: "待补正",
    S.in_progress: "办理中",
    S.completed: "已办结",
    S.refused: "不予批准",
    S.withdrawn: "已撤回",
}


class Action(StrEnum):
    submit = "submit"
    accept = "accept"
    not_accept = "not_accept"
    request_supplement = "request_supplement"
    supplement = "supplement"
    start = "start"
    approve = "approve"
    refuse = "refuse"
    complete = "complete"
    withdraw = "withdraw"
    claim = "claim"
    assign = "assign"


ACTION_LABELS = {
    Action.submit: "提交申请",
    Action.accept: "受理",
    Action.not_accept: "不予受理",
    Action.request_supplement: "要求补正",
    Action.supplement: "提交补正材料",
    Action.start: "开始办理",
    Action.approve: "部门审批同意",
    Action.refuse: "不予批准",
    Action.complete: "办结",
    Action.withdraw: "撤回申请",
    Action.claim: "领取",
    Action.assign: "分派",
}


class Decision(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


def allowed(src: ApplicationStatus, dst: ApplicationStatus) -> bool:
    return dst in ALLOWED_TRANSITIONS[src]

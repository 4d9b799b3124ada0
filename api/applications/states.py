"""The application lifecycle as data: the Workflow (states, actions, their labels, the transitions keyed by
action) and the groups code asks about. Labels are defined here and nowhere else; GET /vocabulary serves them."""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from api.cases.workflow import Notice, Reminders, Step, Workflow, register, register_enum


class ApplicationStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"  # 受理
    not_accepted = "not_accepted"  # 不予受理
    supplement_requested = "supplement_requested"  # 补正
    in_progress = "in_progress"
    completed = "completed"  # 办结
    refused = "refused"  # 不予批准
    withdrawn = "withdrawn"


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


class Decision(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


S, A = ApplicationStatus, Action

OPEN = frozenset({S.submitted, S.accepted, S.supplement_requested, S.in_progress})
DECIDABLE = frozenset({S.accepted, S.in_progress})  # departments may record approval decisions
RATEABLE = frozenset({S.completed, S.refused})  # 好差评 after the outcome


def _notices(app: Any, step: Step) -> Iterator[Notice]:
    """The applicant hears of every change of state (not of a claim or one department's approval)."""
    if step.changes_state:
        body = f"您的申请（受理编号 {app.tracking_no}）状态变更为“{step.to_label}”。"
        if step.note:
            body += f"说明：{step.note}"
        yield Notice(app.applicant_id, f"{step.action_label}：{step.to_label}", body,
                     link=f"/my/applications/{app.id}", kind="application_status")


APPLICATION: Workflow[ApplicationStatus, Action] = Workflow(
    name="application", label="申请", states=ApplicationStatus, actions=Action,
    state_labels={S.submitted: "已提交", S.accepted: "已受理", S.not_accepted: "不予受理",
                  S.supplement_requested: "待补正", S.in_progress: "办理中", S.completed: "已办结",
                  S.refused: "不予批准", S.withdrawn: "已撤回"},
    action_labels={A.submit: "提交申请", A.accept: "受理", A.not_accept: "不予受理", A.request_supplement: "要求补正",
                   A.supplement: "提交补正材料", A.start: "开始办理", A.approve: "部门审批同意",
                   A.refuse: "不予批准", A.complete: "办结", A.withdraw: "撤回申请", A.claim: "领取",
                   A.assign: "分派"},
    transitions={
        A.accept: {S.submitted: S.accepted},
        A.not_accept: {S.submitted: S.not_accepted},
        A.request_supplement: {s: S.supplement_requested for s in (S.submitted, S.accepted, S.in_progress)},
        # The applicant's supplement returns the case to the review it was taken from.
        A.supplement: {S.supplement_requested: frozenset({S.submitted, S.accepted, S.in_progress})},
        A.start: {S.accepted: S.in_progress},
        A.approve: {S.in_progress: S.in_progress},  # one department's yes; the last one completes the case
        A.refuse: {S.in_progress: S.refused},
        A.complete: {S.in_progress: S.completed},
        A.withdraw: {s: S.withdrawn for s in OPEN},
        A.claim: {s: s for s in OPEN},
        A.assign: {s: s for s in OPEN},
    },
    initial=S.submitted, create_action=A.submit,
    groups={"open": OPEN, "decidable": DECIDABLE, "rateable": RATEABLE},
    notices=_notices, describe=lambda app: {"tracking_no": app.tracking_no},
    # The 办件 deadline (the service's promised working days from 受理): its assignee, else the owner unit's
    # handlers; the applicant hears when it is overdue.
    reminders=Reminders(unit_id=lambda app: app.owner_unit_id, subject=lambda app: f"申请 {app.tracking_no}",
                        staff_link=lambda app: f"/workspace/applications/{app.id}",
                        assignee_id=lambda app: app.assignee_id, applicant_id=lambda app: app.applicant_id,
                        applicant_link=lambda app: f"/my/applications/{app.id}"),
)
register(APPLICATION)
register_enum("approval_decision", {Decision.pending: "待审批", Decision.approved: "同意",
                                    Decision.refused: "不予批准"})

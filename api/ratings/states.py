"""好差评 rules as data: the five levels, the tags, the rectification Workflow and the appeal states. Labels are
defined here and nowhere else; GET /vocabulary serves them."""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from api.cases.workflow import Notice, Reminders, Step, Workflow, register, register_enum

SCORE_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFIED_MIN = 4  # 满意率 counts 满意 and 非常满意
RECTIFY_MAX = 2  # 不满意 and 非常不满意 open a rectification task
RECTIFICATION_DAYS = 15  # 国办发〔2019〕51号: rectify within 15 working days by default
TAGS = ("办事高效", "服务热情", "指南清晰", "一次办成", "材料繁琐", "多次跑腿", "态度不好", "超时办理", "指南不清")


class AppealStatus(StrEnum):
    none = "none"
    pending = "pending"
    upheld = "upheld"  # the rating was malicious: excluded from statistics, rectification cancelled
    rejected = "rejected"


class RectificationStatus(StrEnum):
    open = "open"
    followed_up = "followed_up"  # 回访 recorded
    closed = "closed"
    cancelled = "cancelled"


class RectificationAction(StrEnum):
    open = "open"
    follow_up = "follow_up"
    close = "close"
    cancel = "cancel"


R, RA = RectificationStatus, RectificationAction
OPEN = frozenset({R.open, R.followed_up})


def _notices(rect: Any, step: Step) -> Iterator[Notice]:
    """The handler of the rated case (named in the opening step's detail) is told of the new task."""
    detail = step.detail or {}
    if step.action == RA.open and detail.get("handler_id"):
        yield Notice(detail["handler_id"], "差评整改任务", f"受理编号 {detail['tracking_no']} 收到差评，请在 "
                     f"{RECTIFICATION_DAYS} 个工作日内回访并整改。", link=f"/workspace/rectifications/{rect.id}",
                     kind="rectification")


RECTIFICATION: Workflow[RectificationStatus, RectificationAction] = Workflow(
    name="rectification", label="整改任务", states=RectificationStatus, actions=RectificationAction,
    state_labels={R.open: "待整改", R.followed_up: "已回访", R.closed: "已整改", R.cancelled: "已撤销"},
    action_labels={RA.open: "差评触发整改", RA.follow_up: "回访", RA.close: "整改办结", RA.cancel: "撤销整改"},
    transitions={
        RA.follow_up: {R.open: R.followed_up, R.followed_up: R.followed_up},
        # 回访 must come first: an open task cannot be closed.
        RA.close: {R.followed_up: R.closed},
        RA.cancel: {R.open: R.cancelled, R.followed_up: R.cancelled},
    },
    initial=R.open, create_action=RA.open, groups={"open": OPEN}, notices=_notices,
    reminders=Reminders(unit_id=lambda rect: rect.org_unit_id, subject=lambda rect: f"整改任务 #{rect.id}",
                        staff_link=lambda rect: f"/workspace/rectifications/{rect.id}", applicant_kinds=frozenset()),
)
register(RECTIFICATION)
register_enum("rating_score", SCORE_LABELS)
register_enum("rating_tag", {t: t for t in TAGS})
register_enum("appeal_status", {AppealStatus.none: "未申诉", AppealStatus.pending: "申诉中",
                                AppealStatus.upheld: "申诉成立", AppealStatus.rejected: "申诉驳回"})
register_enum("follow_up_method", {"phone": "电话回访", "visit": "上门回访", "online": "线上回访"})

"""好差评 rules as data: the five levels, the tags, the rectification and appeal lifecycles."""

from enum import StrEnum

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


R = RectificationStatus
ALLOWED_TRANSITIONS: dict[RectificationStatus, frozenset[RectificationStatus]] = {
    R.open: frozenset({R.followed_up, R.cancelled}),
    R.followed_up: frozenset({R.followed_up, R.closed, R.cancelled}),
    R.closed: frozenset(),
    R.cancelled: frozenset(),
}
OPEN = frozenset({R.open, R.followed_up})

RECTIFICATION_LABELS = {R.open: "待整改", R.followed_up: "已回访", R.closed: "已整改", R.cancelled: "已撤销"}
APPEAL_LABELS = {AppealStatus.none: "无", AppealStatus.pending: "申诉中", AppealStatus.upheld: "申诉成立",
                 AppealStatus.rejected: "申诉驳回"}

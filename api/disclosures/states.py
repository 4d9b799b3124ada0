"""The disclosure workflow as data: a version moves through review; the item is public or not."""

from enum import StrEnum


class VersionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"  # in the review queue, no level approved yet
    in_review = "in_review"  # at least one review level approved, more to go
    secrecy_review = "secrecy_review"  # all review levels approved; 保密审查
    published = "published"  # the version the public sees
    superseded = "superseded"  # was published; a newer version replaced it
    retracted = "retracted"  # was published when the item was withdrawn


class DisclosureStatus(StrEnum):
    unpublished = "unpublished"
    published = "published"
    retracted = "retracted"


class Action(StrEnum):
    create = "create"
    revise = "revise"
    submit = "submit"
    approve = "approve"
    send_back = "send_back"
    publish = "publish"
    supersede = "supersede"
    retract = "retract"


ALLOWED_TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.draft: frozenset({VersionStatus.submitted}),
    VersionStatus.submitted: frozenset({VersionStatus.in_review, VersionStatus.secrecy_review, VersionStatus.draft}),
    VersionStatus.in_review: frozenset({VersionStatus.in_review, VersionStatus.secrecy_review, VersionStatus.draft}),
    VersionStatus.secrecy_review: frozenset({VersionStatus.published, VersionStatus.draft}),
    VersionStatus.published: frozenset({VersionStatus.superseded, VersionStatus.retracted}),
    VersionStatus.superseded: frozenset(),
    VersionStatus.retracted: frozenset(),
}

EDITABLE = frozenset({VersionStatus.draft})
IN_REVIEW = frozenset({VersionStatus.submitted, VersionStatus.in_review})
PENDING = frozenset({VersionStatus.draft, VersionStatus.submitted, VersionStatus.in_review,
                     VersionStatus.secrecy_review})
FINAL = frozenset({VersionStatus.superseded, VersionStatus.retracted})

LABELS = {
    VersionStatus.draft: "草稿",
    VersionStatus.submitted: "待审核",
    VersionStatus.in_review: "审核中",
    VersionStatus.secrecy_review: "待保密审查",
    VersionStatus.published: "已发布",
    VersionStatus.superseded: "已被新版本替代",
    VersionStatus.retracted: "已撤回",
}


def can_move(current: VersionStatus, to: VersionStatus) -> bool:
    return to in ALLOWED_TRANSITIONS[current]


class Freshness(StrEnum):
    """国办函〔2019〕38号: how long a column may go without a new item before it counts as stale."""

    dynamic = "dynamic"  # news / work updates: 2 weeks
    notice = "notice"  # notices and policies: 6 months
    personnel = "personnel"  # personnel and planning: 1 year
    static = "static"  # never stale


STALE_AFTER_DAYS = {Freshness.dynamic: 14, Freshness.notice: 183, Freshness.personnel: 365, Freshness.static: None}


class Validity(StrEnum):
    valid = "valid"
    expired = "expired"
    repealed = "repealed"


class ChangeKind(StrEnum):
    created = "created"
    updated = "updated"
    retracted = "retracted"
    removed = "removed"  # only in a filtered view: the item left the filter (another column, publisher, topic)

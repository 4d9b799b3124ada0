"""The disclosure workflow as data: a version moves through review; the item is public or not."""

from enum import StrEnum

from api.cases.workflow import Workflow, register, register_enum


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
    revise = "revise"  # a new draft from the published version (it opens a version, like create)
    submit = "submit"
    approve = "approve"
    send_back = "send_back"
    publish = "publish"
    supersede = "supersede"
    retract = "retract"


V = VersionStatus

IN_REVIEW = frozenset({V.submitted, V.in_review})
PENDING = frozenset({V.draft, V.submitted, V.in_review, V.secrecy_review})  # at most one per item

DISCLOSURE_VERSION: Workflow[VersionStatus, Action] = register(Workflow(
    name="disclosure_version", label="公开信息版本", states=VersionStatus, actions=Action,
    state_labels={V.draft: "草稿", V.submitted: "待审核", V.in_review: "审核中", V.secrecy_review: "待保密审查",
                  V.published: "已发布", V.superseded: "已被新版本替代", V.retracted: "已撤回"},
    action_labels={Action.create: "新建草稿", Action.revise: "新建修订版本", Action.submit: "提交审核",
                   Action.approve: "审核通过", Action.send_back: "退回修改", Action.publish: "保密审查通过并发布",
                   Action.supersede: "被新版本替代", Action.retract: "撤回"},
    transitions={
        Action.submit: {V.draft: V.submitted},
        # Each review level approves in turn; the last one hands the version to the secrecy officer.
        Action.approve: {s: frozenset({V.in_review, V.secrecy_review}) for s in IN_REVIEW},
        Action.send_back: {s: V.draft for s in (V.submitted, V.in_review, V.secrecy_review)},
        Action.publish: {V.secrecy_review: V.published},
        Action.supersede: {V.published: V.superseded},
        Action.retract: {V.published: V.retracted},
    },
    initial=V.draft, create_action=Action.create,
    groups={"in_review": IN_REVIEW, "pending": PENDING},
    describe=lambda v: {"disclosure_id": v.disclosure_id, "version": v.version_no},
))


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


register_enum("disclosure_status", {DisclosureStatus.unpublished: "未发布", DisclosureStatus.published: "已发布",
                                    DisclosureStatus.retracted: "已撤回"})
register_enum("disclosure_validity", {Validity.valid: "有效", Validity.expired: "失效", Validity.repealed: "废止"})

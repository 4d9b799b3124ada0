"""The session side of the case kernel: the one transition, the one scope filter and the one way to attach a
deadline clock. Everything runs in the caller's transaction; it flushes, never commits."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.schemas import DeadlineStatus
from api.cases.workflow import ConcurrentUpdate, Step, Workflow, register_enum
from api.database import LIKE_ESCAPE, escape_like, utcnow
from api.notifications import service as notifications
from api.notifications.models import Channel, DeliveryStatus


class Case(Protocol):
    """What the kernel needs of a case model (see the package docstring)."""

    __workflow__: ClassVar[Workflow[Any, Any]]
    id: Any
    status: Any
    updated_at: Any

    def case_event(self, step: Step) -> Any:
        """The domain's history row for `step` (not yet added to the session)."""


async def flush(session: AsyncSession) -> None:
    """Flush; a version conflict (someone changed the case since it was read) is 409 concurrent_update."""
    try:
        await session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdate() from exc


async def audit_step(session: AsyncSession, case: Case, step: Step) -> None:
    """The step's audit record (action "<workflow>.<action>", object the case), through api/audit."""
    workflow = step.workflow
    await audit.record(session, step.actor, f"{workflow.name}.{step.action}", workflow.name, case.id,
                       workflow.summary(case, step))


def notification_values(case: Case, step: Step) -> list[dict[str, Any]]:
    """The notifications the step sends, as column values (see api.notifications.service.values), for a caller
    that writes them in a statement of its own."""
    workflow = step.workflow
    return [notifications.values(n.user_id, n.title, n.body, n.link, workflow.name, case.id, n.kind, step.at,
                                 event=event_name(step)) for n in workflow.notices_for(case, step)]


def event_name(step: Step) -> str:
    """The event a step's notifications carry, "<workflow>.<action>" (e.g. "application.accept"): what users
    choose channels for and admins map subscribe-message templates to, for every registered case type."""
    return f"{step.workflow.name}.{step.action}"


async def record(session: AsyncSession, case: Case, step: Step) -> Any:
    """Append the step's event row, its audit record and its notifications to the session (not flushed)."""
    workflow = step.workflow
    event = case.case_event(step)
    session.add(event)
    await audit_step(session, case, step)
    for n in workflow.notices_for(case, step):
        await notifications.notify(session, n.user_id, n.title, n.body, link=n.link, object_type=workflow.name,
                                   object_id=case.id, kind=n.kind, event=event_name(step))
    return event


async def transition(session: AsyncSession, case: Case, action: Any, actor: Actor, *, note: str | None = None,
                     detail: dict[str, Any] | None = None, to: Any = None, at: datetime | None = None) -> Any:
    """Move `case` by `action` along its workflow's table, or 409 (invalid_transition, in Chinese). Appends
    the event row, the audit record and the notifications, bumps the row's version and flushes, so a
    concurrent change answers 409 concurrent_update here. `to` picks one of several allowed targets. An action
    whose table entry keeps the state (a claim) is recorded the same way. Returns the event row."""
    workflow = type(case).__workflow__
    step = workflow.step(case.status, action, actor, at or utcnow(), to=to, note=note, detail=detail)
    case.status = step.to_status
    case.updated_at = step.at  # every step is an UPDATE of the case row, so its version moves
    event = await record(session, case, step)
    await flush(session)
    return event


async def create(session: AsyncSession, case: Case, actor: Actor, *, note: str | None = None,
                 detail: dict[str, Any] | None = None, at: datetime | None = None) -> Any:
    """Add a new case in its workflow's initial state with its opening event, audit record and notifications;
    flushed (the case gets its id). Returns the event row."""
    workflow = type(case).__workflow__
    step = workflow.opening(actor, at or utcnow(), note=note, detail=detail)
    case.status = step.to_status
    session.add(case)
    await flush(session)
    event = await record(session, case, step)
    await flush(session)
    return event


def units_under(principal: Principal, *roles: Role) -> ColumnElement[bool]:
    """The org units in the subtrees where `principal` holds one of `roles`: a condition on OrgUnit.path
    (false when none). A grant on a unit covers the unit and everything below it."""
    paths = principal.scope_paths(*roles)
    if not paths:
        return false()
    return or_(*[OrgUnit.path.like(f"{escape_like(p)}%", escape=LIKE_ESCAPE) for p in paths])


def in_units_under(column: Any, principal: Principal, *roles: Role) -> ColumnElement[bool]:
    """`column` (an org unit id) is one of units_under(principal, *roles)."""
    if not principal.scope_paths(*roles):
        return false()
    return column.in_(select(OrgUnit.id).where(units_under(principal, *roles)))


def clock_type(workflow: Workflow[Any, Any], phase: str | None = None) -> str:
    """A clock's ``case_type``: the workflow's name, or ``<name>_<phase>`` for a case's further clock (e.g. a
    letter reopened after its reply runs a second clock, ``complaint_reopened``)."""
    return workflow.name if phase is None else f"{workflow.name}_{phase}"


def _case_type(case: Case, phase: str | None = None) -> str:
    return clock_type(type(case).__workflow__, phase)


async def start_clock(session: AsyncSession, case: Case, days: int, actor: Actor,
                      at: datetime | None = None, phase: str | None = None) -> DeadlineClock:
    """Attach a working-day deadline clock to the case (case_type = its workflow's name, see clock_type) and
    start it."""
    return await calendar.start_clock(session, _case_type(case, phase), case.id, days, actor, at=at)


async def clock_of(session: AsyncSession, case: Case, phase: str | None = None) -> DeadlineClock | None:
    return await calendar.get_clock(session, _case_type(case, phase), case.id)


async def stop_clock(session: AsyncSession, case: Case, actor: Actor,
                     phase: str | None = None) -> DeadlineClock | None:
    """Stop the case's clock if it has one still counting (running or paused); returns it."""
    clock = await clock_of(session, case, phase)
    if clock is not None and clock.status != ClockStatus.stopped:
        await calendar.stop_clock(session, clock, actor)
    return clock


register_enum("notification_channel", {Channel.email: "电子邮件", Channel.sms: "短信", Channel.wechat: "微信订阅消息"})
register_enum("delivery_status", {DeliveryStatus.pending: "待发送", DeliveryStatus.retrying: "等待重试",
                                  DeliveryStatus.sent: "已发送", DeliveryStatus.dead: "发送失败（死信）",
                                  DeliveryStatus.skipped: "未发送"})
register_enum("deadline_status", {
    DeadlineStatus.on_time: "正常", DeadlineStatus.due_soon: "即将到期", DeadlineStatus.overdue: "已超期",
    DeadlineStatus.very_overdue: "严重超期", DeadlineStatus.paused: "暂停计时", DeadlineStatus.stopped: "已停止计时"})


def clock_join(workflow: Workflow[Any, Any], case_id: Any) -> ColumnElement[bool]:
    """The join condition from a case's id column to its DeadlineClock (for queues sorted by deadline)."""
    return and_(DeadlineClock.case_type == workflow.name, DeadlineClock.case_id == case_id)


@dataclass(frozen=True)
class PublicState:
    """What may be said about a case to anyone holding its number (Open311's GET): no personal data."""

    status: str
    label: str
    is_open: bool  # in the workflow's "open" group
    updated_at: datetime
    deadline_at: datetime | None


async def public_states(session: AsyncSession, model: Any, ids: list[int],
                        phases: tuple[str, ...] = ()) -> dict[int, PublicState]:
    """The public state of each case of `model` (a case model: `__workflow__`, id, status, updated_at), with the
    deadline of its latest clock (its own or a further `phase`'s, see clock_type); two statements for any number
    of cases."""
    if not ids:
        return {}
    workflow: Workflow[Any, Any] = model.__workflow__
    rows = (await session.execute(select(model.id, model.status, model.updated_at)
                                  .where(model.id.in_(ids)))).all()
    types = [clock_type(workflow, phase) for phase in (None, *phases)]
    clocks = {c.case_id: c for c in (await session.execute(
        select(DeadlineClock).where(DeadlineClock.case_type.in_(types), DeadlineClock.case_id.in_(ids))
        .order_by(DeadlineClock.id))).scalars()}  # the latest clock of a case wins
    out = {}
    for r in rows:
        status = workflow.states(r.status)
        clock = clocks.get(r.id)
        deadline = (await calendar.clock_state(session, clock)).deadline_at if clock is not None else None
        out[r.id] = PublicState(str(status), workflow.state_labels[status], status in workflow.group("open"),
                                r.updated_at, deadline)
    return out

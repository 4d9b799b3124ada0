"""Due-soon and overdue reminders for every case type whose workflow names its `reminders` (api.cases.workflow
.Reminders), driven from the deadline clocks: one statement finds the running clocks near or past their
deadline that have not had their overdue reminder yet, one per case type loads those cases. Run by the worker's
periodic ``due_jobs`` (api/worker.py); safe to run any number of times, by any number of workers."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.audit.service import SYSTEM
from api.auth.models import OrgUnit, Role, RoleGrant, User
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.schemas import DeadlineStatus
from api.cases.models import CaseReminder
from api.cases.service import clock_type, transition
from api.cases.workflow import REMINDER_KINDS, Workflow, workflows
from api.config import get_settings
from api.database import Base, utcnow
from api.notifications import service as notifications

KIND_OF = {DeadlineStatus.due_soon: "due_soon", DeadlineStatus.overdue: "overdue",
           DeadlineStatus.very_overdue: "overdue"}


@dataclass
class RemindersReport:
    reminded: int = 0  # cases reminded
    notifications: int = 0


def case_models() -> dict[str, Any]:
    """The mapped case models by workflow name (a case model carries ``__workflow__``)."""
    out = {}
    for mapper in Base.registry.mappers:
        workflow = getattr(mapper.class_, "__workflow__", None)
        if isinstance(workflow, Workflow):
            out[workflow.name] = mapper.class_
    return out


async def staff_of(session: AsyncSession, unit_id: int, roles: tuple[Role, ...]) -> list[int]:
    """Active users holding one of `roles` on the unit or a unit above it."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        return []
    ancestors = [int(p) for p in unit.path.strip("/").split("/") if p]
    return list((await session.execute(
        select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role.in_(roles), RoleGrant.org_unit_id.in_(ancestors), User.is_active.is_(True))
        .distinct().order_by(RoleGrant.user_id))).scalars())


async def _staff(session: AsyncSession, workflow: Workflow[Any, Any], case: Any, kind: str) -> list[int]:
    rule = workflow.reminders
    assert rule is not None
    unit_id = rule.unit_id(case)
    assignee = rule.assignee_id(case) if rule.assignee_id else None
    handlers = []
    if assignee is not None:
        handlers = list((await session.execute(select(User.id).where(
            User.id == assignee, User.is_active.is_(True)))).scalars())
    if not handlers:
        handlers = await staff_of(session, unit_id, (Role.handler,))
    leaders = await staff_of(session, unit_id, (Role.leader,)) if kind == "overdue" or not handlers else []
    return sorted(set(handlers) | set(leaders))


async def run(session: AsyncSession, now: datetime | None = None) -> RemindersReport:
    """Send the reminders that are due at `now` (in the caller's transaction; it flushes, never commits)."""
    now = now or utcnow()
    models = case_models()
    # Each reminded clock type (a workflow's name, or its name and a phase) → the workflow it belongs to.
    types: dict[str, Workflow[Any, Any]] = {}
    for name, w in workflows().items():
        if w.reminders is not None and name in models:
            types[name] = w
            types.update((clock_type(w, phase), w) for phase in w.reminders.clock_phases)
    report = RemindersReport()
    if not types:
        return report
    # A clock becomes due soon within `due_soon_working_days` working days of its deadline: the calendar days
    # ahead allow for weekends and the longest holidays.
    horizon = now + timedelta(days=2 * get_settings().due_soon_working_days + 14)
    overdue_sent = exists().where(CaseReminder.case_type == DeadlineClock.case_type,
                                  CaseReminder.case_id == DeadlineClock.case_id, CaseReminder.kind == "overdue",
                                  CaseReminder.deadline_at == DeadlineClock.deadline_at)
    clocks = list((await session.execute(
        select(DeadlineClock).where(DeadlineClock.case_type.in_(types), DeadlineClock.status == ClockStatus.running,
                                    DeadlineClock.deadline_at <= horizon, ~overdue_sent)
        .order_by(DeadlineClock.deadline_at, DeadlineClock.id))).scalars())
    due: list[tuple[DeadlineClock, str, Any]] = []
    for clock in clocks:
        state = await calendar.clock_state(session, clock, now)
        kind = KIND_OF.get(state.status)
        if kind is not None:
            due.append((clock, kind, state))
    if not due:
        return report
    sent = {tuple(r) for r in (await session.execute(
        select(CaseReminder.case_type, CaseReminder.case_id, CaseReminder.kind, CaseReminder.deadline_at)
        .where(CaseReminder.case_type.in_({c.case_type for c, _, _ in due}),
               CaseReminder.case_id.in_({c.case_id for c, _, _ in due})))).all()}
    cases: dict[tuple[str, int], Any] = {}
    for workflow in {types[c.case_type] for c, _, _ in due}:
        model = models[workflow.name]
        assert workflow.reminders is not None
        ids = {c.case_id for c, _, _ in due if types[c.case_type] is workflow}
        stmt = (select(model).where(model.id.in_(ids))
                .options(*(selectinload(getattr(model, name)) for name in workflow.reminders.load))
                .execution_options(populate_existing=True))  # the row as it is now, its version included
        for case in (await session.execute(stmt)).scalars():
            cases[(workflow.name, case.id)] = case
    for clock, kind, state in due:
        case = cases.get((types[clock.case_type].name, clock.case_id))
        if case is None or (clock.case_type, clock.case_id, kind, clock.deadline_at) in sent:
            continue
        workflow = type(case).__workflow__
        if case.status not in workflow.groups.get("open", workflow.states):
            continue  # a closed case whose clock was left running is nobody's task
        recipients = await _remind(session, workflow, case, kind, state, now)
        session.add(CaseReminder(case_type=clock.case_type, case_id=clock.case_id, kind=kind,
                                 deadline_at=clock.deadline_at, recipients=recipients, sent_at=now))
        report.notifications += recipients
        report.reminded += 1
    await session.flush()
    return report


async def _remind(session: AsyncSession, workflow: Workflow[Any, Any], case: Any, kind: str, state: Any,
                  now: datetime) -> int:
    """Notify the staff (and the applicant, for the rule's kinds) and audit it; returns how many were told."""
    rule = workflow.reminders
    assert rule is not None
    event = f"{workflow.name}.{kind}"
    subject = rule.subject(case)
    label = REMINDER_KINDS[kind]
    deadline = f"{state.deadline_date:%Y-%m-%d}"
    staff = await _staff(session, workflow, case, kind)
    left = (f"剩余 {state.left_working_days} 个工作日" if kind == "due_soon"
            else f"已超期 {-state.left_working_days} 个工作日" if state.left_working_days < 0 else "已超期")
    for user_id in staff:
        await notifications.notify(session, user_id, f"{subject}{label}", f"办理期限 {deadline}，{left}。",
                                   rule.staff_link(case), workflow.name, case.id, kind="deadline_reminder",
                                   event=event)
    count = len(staff)
    applicant = rule.applicant_id(case) if rule.applicant_id and kind in rule.applicant_kinds else None
    if applicant is not None:
        body = (f"您的{subject}办理期限为 {deadline}，已超过期限。我们已督促承办单位尽快办理。" if kind == "overdue"
                else f"您的{subject}办理期限为 {deadline}，即将到期。")
        link = rule.applicant_link(case) if rule.applicant_link else None
        await notifications.notify(session, applicant, f"{subject}{label}", body, link, workflow.name, case.id,
                                   kind="deadline_reminder", event=event)
        count += 1
    detail = {"kind": kind, "deadline": deadline, "staff": staff, "applicant": applicant is not None}
    if rule.history_action is not None:
        await transition(session, case, rule.history_action, SYSTEM, at=now, detail=detail,
                         note=f"{subject}{label}，已提醒 {count} 人")
    else:
        await audit.record(session, SYSTEM, f"{workflow.name}.remind_{kind}", workflow.name, case.id,
                           {**(workflow.describe(case) if workflow.describe else {}), **detail})
    return count

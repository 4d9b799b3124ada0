"""Time-driven work: due-soon and overdue reminders, letters left unrated completed as satisfied, and the
leaders' overdue list."""

from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.auth.models import OrgUnit, Role, RoleGrant, User
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.schemas import DeadlineStatus
from api.calendar.workdays import local_date
from api.cases import service as cases
from api.complaints import service
from api.complaints.handling import AUTO_COMPLETE_WORKING_DAYS
from api.complaints.models import Complaint, ComplaintReminder
from api.complaints.schemas import DueJobsReport
from api.complaints.states import COMPLAINT, OPEN, ComplaintAction, ComplaintStatus, Satisfaction
from api.database import utcnow
from api.notifications import service as notifications

S = ComplaintStatus
A = ComplaintAction


async def _staff_for(session: AsyncSession, unit: OrgUnit, roles: tuple[Role, ...]) -> list[int]:
    """Active users holding one of `roles` on the unit or any unit above it."""
    ancestors = [int(p) for p in unit.path.strip("/").split("/") if p]
    return list((await session.execute(
        select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role.in_(roles), RoleGrant.org_unit_id.in_(ancestors), User.is_active.is_(True))
        .distinct().order_by(RoleGrant.user_id))).scalars())


async def run_due_jobs(session: AsyncSession, now: datetime | None = None) -> DueJobsReport:
    """Remind staff of cases that became due soon or overdue, and complete (办结) answers left unrated for
    20 working days as satisfied. Safe to run any number of times."""
    now = now or utcnow()
    reminded = 0
    rows = (await session.execute(
        select(Complaint.id, DeadlineClock)
        .join(DeadlineClock, and_(DeadlineClock.case_id == Complaint.id,
                                  DeadlineClock.case_type.in_([COMPLAINT.name, service.REOPENED_CASE_TYPE])))
        .where(Complaint.status.in_(OPEN), DeadlineClock.status == ClockStatus.running,
               DeadlineClock.deadline_at <= now + timedelta(days=14))
        .order_by(Complaint.id))).all()
    for complaint_id, clock in rows:
        state = await calendar.clock_state(session, clock, now)
        if state.status not in (DeadlineStatus.due_soon, DeadlineStatus.overdue, DeadlineStatus.very_overdue):
            continue
        kind = "due_soon" if state.status == DeadlineStatus.due_soon else "overdue"
        assert state.deadline_date is not None
        done = (await session.execute(select(ComplaintReminder.id).where(
            ComplaintReminder.complaint_id == complaint_id, ComplaintReminder.kind == kind,
            ComplaintReminder.deadline_date == state.deadline_date))).first()
        if done:
            continue
        c = await service.load(session, complaint_id)
        unit = service.handling_unit(c)
        roles = (Role.handler,) if kind == "due_soon" else (Role.handler, Role.leader)
        users = await _staff_for(session, unit, roles) or await _staff_for(session, unit, (Role.leader,))
        title = (f"来信即将到期：{c.tracking_no}" if kind == "due_soon" else f"来信已超期：{c.tracking_no}")
        body = f"《{c.subject}》答复期限 {state.deadline_date:%Y-%m-%d}，剩余 {state.left_working_days} 个工作日。"
        for user_id in users:
            await notifications.notify(session, user_id, title, body, f"/staff/complaints/{c.id}", "complaint", c.id)
        session.add(ComplaintReminder(complaint_id=c.id, kind=kind, deadline_date=state.deadline_date,
                                      sent_at=now, recipients=len(users)))
        await cases.transition(session, c, A.remind, SYSTEM, note=f"{title}（已提醒 {len(users)} 人）", at=now)
        reminded += 1
    completed = 0
    due = (await session.execute(select(Complaint.id).where(
        Complaint.status == S.replied, Complaint.auto_complete_date < local_date(now)).order_by(Complaint.id)
    )).scalars().all()
    for complaint_id in due:
        c = await service.load(session, complaint_id)
        c.satisfaction, c.completed_at = c.satisfaction or Satisfaction.satisfied, now
        await cases.transition(session, c, A.auto_complete, SYSTEM, at=now,
                               note=f"答复后 {AUTO_COMPLETE_WORKING_DAYS} 个工作日内未评价，按满意办结")
        completed += 1
    return DueJobsReport(reminded=reminded, auto_completed=completed)


async def add_working_days_between(session: AsyncSession, start: date, end: date) -> int:
    """Working days after `start` up to and including `end`."""
    return (await calendar.load_calendar(session, start, end)).working_days_between(start, end)


async def overdue(session: AsyncSession, principal: Principal, now: datetime | None = None) -> list[Complaint]:
    now = now or utcnow()
    stmt = service.with_relations(service.readable_by(principal).join(
        DeadlineClock, and_(DeadlineClock.case_id == Complaint.id,
                            DeadlineClock.case_type.in_([COMPLAINT.name, service.REOPENED_CASE_TYPE])))
        .where(Complaint.status.in_(OPEN), DeadlineClock.status == ClockStatus.running,
               DeadlineClock.deadline_at < now)
        .order_by(DeadlineClock.deadline_at, Complaint.id).limit(200))
    return list((await session.execute(stmt)).scalars().unique())

"""Time-driven work: letters left unrated completed as satisfied, and the leaders' overdue list."""

from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.workdays import local_date
from api.cases import service as cases
from api.complaints import service
from api.complaints.handling import AUTO_COMPLETE_WORKING_DAYS
from api.complaints.models import Complaint
from api.complaints.schemas import DueJobsReport
from api.complaints.states import COMPLAINT, OPEN, ComplaintAction, ComplaintStatus, Satisfaction
from api.database import utcnow

S = ComplaintStatus
A = ComplaintAction


async def run_due_jobs(session: AsyncSession, now: datetime | None = None) -> DueJobsReport:
    """Complete (办结) answers left unrated for 20 working days as satisfied. Safe to run any number of times.
    The reply limit's due-soon and overdue reminders are the case kernel's (api.cases.reminders, from the rule
    in api.complaints.states)."""
    now = now or utcnow()
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
    return DueJobsReport(auto_completed=completed)


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

"""Figures: staff statistics per mailbox and department, and the public monthly summary."""

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgUnit
from api.calendar.models import DeadlineClock
from api.calendar.workdays import SHANGHAI, local_date
from api.cases import service as cases
from api.complaints.models import Complaint, ComplaintPublication, Mailbox
from api.complaints.schemas import ComplaintStatsRow, PublicSummary, StatisticsRead
from api.complaints.states import COMPLAINT, ComplaintStatus, Satisfaction
from api.database import utcnow

S = ComplaintStatus


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, SHANGHAI), datetime.combine(end + timedelta(days=1), time.min, SHANGHAI))


REPLY_RATE_DEFINITION = ("办复率 = 已答复 ÷ 应答复。应答复：统计期内收到的每一封来信中，已答复、已过答复期限"
                         "或不予受理的件数；尚在答复期限内且未答复的来信不计入。")


def _agg(now: datetime) -> list[Any]:
    """Counts over Complaint outer-joined to its first reply clock (_FIRST_CLOCK)."""
    def count_if(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    good = [Satisfaction.satisfied.value, Satisfaction.basically_satisfied.value]
    due = or_(Complaint.replied_at.is_not(None), Complaint.status == S.not_accepted,
              DeadlineClock.deadline_at < now)
    return [
        func.count(Complaint.id).label("received"),
        count_if(Complaint.accepted_at.is_not(None)).label("accepted"),
        count_if(Complaint.status == S.not_accepted).label("not_accepted"),
        count_if(due).label("due"),
        count_if(Complaint.replied_at.is_not(None)).label("replied"),
        count_if(Complaint.replied_on_time.is_(True)).label("on_time"),
        func.avg(Complaint.reply_working_days).label("avg_days"),
        count_if(Complaint.satisfaction.is_not(None)).label("rated"),
        count_if(Complaint.satisfaction.in_(good)).label("satisfied"),
    ]


# The letter's own reply clock (a reopened case's second clock does not make the letter due again).
_FIRST_CLOCK = cases.clock_join(COMPLAINT, Complaint.id)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b * 100, 1) if b else None


def _row(id_: int | None, name: str, r: Any) -> ComplaintStatsRow:
    return ComplaintStatsRow(
        id=id_, name=name, received=int(r.received), accepted=int(r.accepted), not_accepted=int(r.not_accepted),
        due=int(r.due), replied=int(r.replied), reply_rate=_ratio(int(r.replied), int(r.due)),
        on_time_rate=_ratio(int(r.on_time), int(r.replied)),
        avg_reply_working_days=None if r.avg_days is None else round(float(r.avg_days), 1),
        rated=int(r.rated), satisfaction_rate=_ratio(int(r.satisfied), int(r.rated)))


async def statistics(session: AsyncSession, start: date, end: date, now: datetime | None = None) -> StatisticsRead:
    now = now or utcnow()
    lo, hi = _bounds(start, end)
    period = and_(Complaint.submitted_at >= lo, Complaint.submitted_at < hi)
    total = (await session.execute(select(*_agg(now)).select_from(Complaint)
                                   .outerjoin(DeadlineClock, _FIRST_CLOCK).where(period))).one()
    by_mailbox = (await session.execute(
        select(Mailbox.id, Mailbox.name, *_agg(now))
        .outerjoin(Complaint, and_(Complaint.mailbox_id == Mailbox.id, period))
        .outerjoin(DeadlineClock, _FIRST_CLOCK)
        .group_by(Mailbox.id, Mailbox.name, Mailbox.sort_order).order_by(Mailbox.sort_order, Mailbox.id))).all()
    dept = func.coalesce(Complaint.lead_unit_id, Mailbox.owner_unit_id)
    by_dept = (await session.execute(
        select(OrgUnit.id, OrgUnit.name, *_agg(now)).select_from(Complaint)
        .join(Mailbox, Mailbox.id == Complaint.mailbox_id).join(OrgUnit, OrgUnit.id == dept)
        .outerjoin(DeadlineClock, _FIRST_CLOCK).where(period)
        .group_by(OrgUnit.id, OrgUnit.name, OrgUnit.sort_order).order_by(OrgUnit.sort_order, OrgUnit.id))).all()
    return StatisticsRead(start=start, end=end, definition=REPLY_RATE_DEFINITION, total=_row(None, "合计", total),
                          by_mailbox=[_row(r.id, r.name, r) for r in by_mailbox],
                          by_department=[_row(r.id, r.name, r) for r in by_dept])


async def public_summary(session: AsyncSession, now: datetime | None = None) -> PublicSummary:
    """This month's letters; 办复率 over those that were due (REPLY_RATE_DEFINITION)."""
    now = now or utcnow()
    today = local_date(now)
    start = today.replace(day=1)
    lo, hi = _bounds(start, today)
    r = (await session.execute(select(*_agg(now)).select_from(Complaint).outerjoin(DeadlineClock, _FIRST_CLOCK)
                               .where(Complaint.submitted_at >= lo, Complaint.submitted_at < hi))).one()
    published = (await session.execute(select(func.count(ComplaintPublication.id)).where(
        ComplaintPublication.withdrawn_at.is_(None), ComplaintPublication.published_at >= lo))).scalar_one()
    row = _row(None, "", r)
    return PublicSummary(month=f"{start:%Y-%m}", received=row.received, due=row.due, replied=row.replied,
                         reply_rate=row.reply_rate, definition=REPLY_RATE_DEFINITION,
                         satisfaction_rate=row.satisfaction_rate, published=published)

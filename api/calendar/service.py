"""The one calendar and the one deadline clock that every case uses."""

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import Actor
from api.calendar.models import (
    CalendarDay,
    CalendarYear,
    ClockEvent,
    ClockEventKind,
    ClockStatus,
    DayKind,
    DeadlineClock,
    YearSource,
)
from api.calendar.schemas import ClockRead, DeadlineStatus, YearScheduleIn
from api.calendar.workdays import WorkCalendar, WorkingDayResult, end_of_day, local_date
from api.config import get_settings
from api.database import utcnow
from api.errors import InvalidTransition, ValidationFailed

__all__ = ["WorkingDayResult", "add_working_days", "load_calendar"]


async def load_calendar(session: AsyncSession, start: date, end: date) -> WorkCalendar:
    """The calendar for [start, end]: two small queries, no cache to go stale across workers."""
    rows = (await session.execute(
        select(CalendarDay.day_date, CalendarDay.kind).where(CalendarDay.day_date.between(start, end))
    )).all()
    years = set((await session.execute(
        select(CalendarYear.year).where(CalendarYear.year.between(start.year, end.year))
    )).scalars())
    return WorkCalendar({d: k == DayKind.workday for d, k in rows}, years)


def _horizon(start: date, days: int) -> date:
    # n working days never span more than ~2n calendar days plus the longest holiday run.
    return start + timedelta(days=days * 2 + 30)


async def add_working_days(session: AsyncSession, start: date, days: int) -> WorkingDayResult:
    cal = await load_calendar(session, start, _horizon(start, days))
    return cal.add_working_days(start, days)


async def is_working_day(session: AsyncSession, d: date) -> bool:
    return (await load_calendar(session, d, d)).is_working_day(d)


# --- admin -----------------------------------------------------------------------------------------


async def year_days(session: AsyncSession, year: int) -> tuple[CalendarYear | None, list[CalendarDay]]:
    y = await session.get(CalendarYear, year)
    days = list((await session.execute(
        select(CalendarDay).where(CalendarDay.day_date.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day_date)
    )).scalars())
    return y, days


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": "calendar"}])


async def set_year(session: AsyncSession, year: int, data: YearScheduleIn, actor: Actor) -> None:
    """Replace a year's schedule with the State Council notice's holidays and make-up working days."""
    seen: set[date] = set()
    for field, items in (("holidays", data.holidays), ("workdays", data.workdays)):
        for i, item in enumerate(items):
            if item.date.year != year:
                raise _bad(f"{field}.{i}.date", f"日期不在 {year} 年内")
            if item.date in seen:
                raise _bad(f"{field}.{i}.date", "同一天不能重复设置")
            seen.add(item.date)
    for i, item in enumerate(data.workdays):
        if item.date.weekday() < 5:
            raise _bad(f"workdays.{i}.date", "调休上班日应为周末")
    await session.execute(delete(CalendarDay).where(
        CalendarDay.day_date.between(date(year, 1, 1), date(year, 12, 31))))
    now = utcnow()
    for kind, items in ((DayKind.holiday, data.holidays), (DayKind.workday, data.workdays)):
        for item in items:
            session.add(CalendarDay(day_date=item.date, kind=kind, name=item.name, source=YearSource.admin,
                                    updated_at=now, updated_by_id=actor.id))
    y = await session.get(CalendarYear, year)
    if y is None:
        session.add(CalendarYear(year=year, source=YearSource.admin, note=data.note, updated_by_id=actor.id))
    else:
        y.source, y.note, y.updated_at, y.updated_by_id = YearSource.admin, data.note, now, actor.id
    await session.flush()
    await audit.record(session, actor, "calendar.set_year", "calendar_year", year,
                       {"holidays": len(data.holidays), "workdays": len(data.workdays)})


async def set_day(session: AsyncSession, day: date, kind: DayKind, name: str, actor: Actor) -> CalendarDay:
    row = await session.get(CalendarDay, day)
    before = None if row is None else {"kind": row.kind, "name": row.name}
    if row is None:
        row = CalendarDay(day_date=day, kind=kind, name=name, source=YearSource.admin, updated_by_id=actor.id)
        session.add(row)
    else:
        row.kind, row.name, row.source = kind, name, YearSource.admin
        row.updated_at, row.updated_by_id = utcnow(), actor.id
    await session.flush()
    await audit.record(session, actor, "calendar.set_day", "calendar_day", day.isoformat(),
                       {"before": before, "after": {"kind": kind, "name": name}})
    return row


async def clear_day(session: AsyncSession, day: date, actor: Actor) -> None:
    row = await session.get(CalendarDay, day)
    if row is None:
        return
    await session.delete(row)
    await audit.record(session, actor, "calendar.clear_day", "calendar_day", day.isoformat(),
                       {"before": {"kind": row.kind, "name": row.name}})


# --- deadline clock --------------------------------------------------------------------------------


def _now(at: datetime | None) -> datetime:
    return at or utcnow()


async def _event(session: AsyncSession, clock: DeadlineClock, kind: ClockEventKind, actor: Actor,
                 at: datetime, days: int | None = None, reason: str | None = None) -> None:
    session.add(ClockEvent(clock_id=clock.id, kind=kind, at=at, days=days, reason=reason,
                           actor_id=actor.id, actor_name=actor.name))
    await session.flush()
    await audit.record(session, actor, f"clock.{kind}", clock.case_type, clock.case_id,
                       {"days": days, "reason": reason})


async def _refresh_deadline(session: AsyncSession, clock: DeadlineClock) -> None:
    if clock.status != ClockStatus.running:
        clock.deadline_at = None
        return
    total = clock.period_days + clock.extended_days + clock.paused_days
    clock.deadline_at = (await add_working_days(session, clock.start_date, total)).deadline_at


async def start_clock(session: AsyncSession, case_type: str, case_id: int, days: int, actor: Actor,
                      at: datetime | None = None) -> DeadlineClock:
    at = _now(at)
    clock = DeadlineClock(case_type=case_type, case_id=case_id, period_days=days, extended_days=0,
                          start_date=local_date(at), started_at=at, paused_days=0, status=ClockStatus.running)
    session.add(clock)
    await session.flush()
    await _refresh_deadline(session, clock)
    await _event(session, clock, ClockEventKind.start, actor, at, days)
    return clock


def _require(clock: DeadlineClock, *allowed: ClockStatus) -> None:
    if clock.status not in allowed:
        raise InvalidTransition(f"计时器当前状态为 {clock.status}，不能执行此操作")


async def pause_clock(session: AsyncSession, clock: DeadlineClock, actor: Actor, reason: str,
                      at: datetime | None = None) -> None:
    _require(clock, ClockStatus.running)
    at = _now(at)
    clock.status, clock.paused_at = ClockStatus.paused, at
    await _refresh_deadline(session, clock)
    await _event(session, clock, ClockEventKind.pause, actor, at, reason=reason)


async def resume_clock(session: AsyncSession, clock: DeadlineClock, actor: Actor,
                       at: datetime | None = None) -> None:
    _require(clock, ClockStatus.paused)
    at = _now(at)
    assert clock.paused_at is not None
    a, b = local_date(clock.paused_at), local_date(at)
    cal = await load_calendar(session, a, b)
    clock.paused_days += cal.working_days_between(a, b)
    clock.status, clock.paused_at = ClockStatus.running, None
    await _refresh_deadline(session, clock)
    await _event(session, clock, ClockEventKind.resume, actor, at)


async def restart_clock(session: AsyncSession, clock: DeadlineClock, actor: Actor, reason: str,
                        at: datetime | None = None) -> None:
    """Count again from zero, as the law requires when a corrected (补正) request arrives."""
    _require(clock, ClockStatus.running, ClockStatus.paused)
    at = _now(at)
    clock.start_date, clock.started_at = local_date(at), at
    clock.paused_days, clock.extended_days, clock.paused_at = 0, 0, None
    clock.status = ClockStatus.running
    await _refresh_deadline(session, clock)
    await _event(session, clock, ClockEventKind.restart, actor, at, reason=reason)


async def extend_clock(session: AsyncSession, clock: DeadlineClock, days: int, actor: Actor, reason: str,
                       at: datetime | None = None) -> None:
    """Add working days; the approver is the actor and the reason is kept."""
    _require(clock, ClockStatus.running, ClockStatus.paused)
    if days < 1:
        raise _bad("days", "延长天数至少为 1 个工作日")
    at = _now(at)
    clock.extended_days += days
    await _refresh_deadline(session, clock)
    await _event(session, clock, ClockEventKind.extend, actor, at, days=days, reason=reason)


async def stop_clock(session: AsyncSession, clock: DeadlineClock, actor: Actor, at: datetime | None = None) -> None:
    _require(clock, ClockStatus.running, ClockStatus.paused)
    at = _now(at)
    if clock.status == ClockStatus.paused:
        await resume_clock(session, clock, actor, at)
    clock.status, clock.stopped_at, clock.deadline_at = ClockStatus.stopped, at, None
    await _event(session, clock, ClockEventKind.stop, actor, at)


async def get_clock(session: AsyncSession, case_type: str, case_id: int) -> DeadlineClock | None:
    return (await session.execute(
        select(DeadlineClock).where(DeadlineClock.case_type == case_type, DeadlineClock.case_id == case_id)
    )).scalar_one_or_none()


async def clock_events(session: AsyncSession, clock: DeadlineClock) -> list[ClockEvent]:
    return list((await session.execute(
        select(ClockEvent).where(ClockEvent.clock_id == clock.id).order_by(ClockEvent.id)
    )).scalars())


async def clock_state(session: AsyncSession, clock: DeadlineClock, now: datetime | None = None) -> ClockRead:
    """Deadline, working days used and left, and on_time / due_soon / overdue / very_overdue."""
    now = _now(now)
    if clock.status == ClockStatus.stopped and clock.stopped_at is not None:
        today = local_date(clock.stopped_at)
    elif clock.status == ClockStatus.paused and clock.paused_at is not None:
        today = local_date(clock.paused_at)
    else:
        today = local_date(now)
    total = clock.period_days + clock.extended_days
    horizon = max(today, _horizon(clock.start_date, total + clock.paused_days)) + timedelta(days=2 * total + 30)
    cal = await load_calendar(session, min(clock.start_date, today), horizon)
    result = cal.add_working_days(clock.start_date, total + clock.paused_days)
    used = max(0, cal.working_days_between(clock.start_date, today) - clock.paused_days)
    provisional = result.provisional or cal.provisional_between(clock.start_date, today)
    if clock.status == ClockStatus.paused:
        status = DeadlineStatus.paused
    elif clock.status == ClockStatus.stopped:
        status = DeadlineStatus.stopped
    elif today > result.deadline_date:
        late = cal.working_days_between(result.deadline_date, today)
        status = DeadlineStatus.very_overdue if late >= clock.period_days else DeadlineStatus.overdue
    elif total - used <= get_settings().due_soon_working_days:
        status = DeadlineStatus.due_soon
    else:
        status = DeadlineStatus.on_time
    return ClockRead(
        deadline_at=end_of_day(result.deadline_date), deadline_date=result.deadline_date,
        period_days=clock.period_days, extended_days=clock.extended_days, used_working_days=used,
        left_working_days=total - used, status=status, paused=clock.status == ClockStatus.paused,
        provisional=provisional,
    )

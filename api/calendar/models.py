from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class DayKind(StrEnum):
    holiday = "holiday"  # 法定节假日 or another rest day declared on a weekday
    workday = "workday"  # 调休上班: a weekend day that is worked


class YearSource(StrEnum):
    chinese_calendar = "chinese_calendar"
    admin = "admin"


class CalendarYear(Base):
    """A year whose official holiday notice has been entered; dates in other years are provisional."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[YearSource] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CalendarDay(Base):
    """A date whose status differs from the weekday rule (or is named, like a holiday on a weekend)."""

    __tablename__ = "calendar_days"

    day_date: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[DayKind] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    source: Mapped[YearSource] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ClockStatus(StrEnum):
    running = "running"
    paused = "paused"
    stopped = "stopped"


class DeadlineClock(Base):
    """A working-day deadline attached to any case (application, complaint, request, rectification)."""

    __tablename__ = "deadline_clocks"
    __table_args__ = (UniqueConstraint("case_type", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int]
    period_days: Mapped[int]
    extended_days: Mapped[int] = mapped_column(default=0)
    # Day 0 of the current count (set at start and at restart), Shanghai date.
    start_date: Mapped[date]
    started_at: Mapped[datetime]
    # Working days that passed while paused; they push the deadline back.
    paused_days: Mapped[int] = mapped_column(default=0)
    paused_at: Mapped[datetime | None]
    status: Mapped[ClockStatus] = mapped_column(String(10), index=True)
    stopped_at: Mapped[datetime | None]
    # Kept current on every clock event so queues sort by urgency in SQL; null while paused/stopped.
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)


class ClockEventKind(StrEnum):
    start = "start"
    pause = "pause"
    resume = "resume"
    restart = "restart"
    extend = "extend"
    stop = "stop"


class ClockEvent(Base):
    __tablename__ = "deadline_clock_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("deadline_clocks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ClockEventKind] = mapped_column(String(10))
    at: Mapped[datetime]
    days: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(100))

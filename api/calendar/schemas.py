from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from api.calendar.models import DayKind, YearSource


class DeadlineStatus(StrEnum):
    on_time = "on_time"
    due_soon = "due_soon"
    overdue = "overdue"
    very_overdue = "very_overdue"
    paused = "paused"
    stopped = "stopped"


class ClockRead(BaseModel):
    deadline_at: datetime | None
    deadline_date: date | None
    period_days: int
    extended_days: int
    used_working_days: int
    left_working_days: int
    status: DeadlineStatus
    paused: bool
    provisional: bool


class CalendarDayRead(BaseModel):
    date: date
    kind: DayKind
    name: str
    source: YearSource


class CalendarYearRead(BaseModel):
    year: int
    known: bool
    source: YearSource | None
    days: list[CalendarDayRead]


class WorkingDaysRead(BaseModel):
    start: date
    days: int
    deadline_date: date
    deadline_at: datetime
    provisional: bool


class DayIn(BaseModel):
    date: date
    name: str = Field(min_length=1, max_length=50)


class YearScheduleIn(BaseModel):
    holidays: list[DayIn] = Field(max_length=120)
    workdays: list[DayIn] = Field(default_factory=list, max_length=60, description="调休上班的周末")
    note: str | None = Field(default=None, max_length=200)


class DayOverrideIn(BaseModel):
    kind: DayKind
    name: str = Field(min_length=1, max_length=50)

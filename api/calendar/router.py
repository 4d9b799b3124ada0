from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.auth.dependencies import AdminUser
from api.auth.models import Role
from api.calendar import service
from api.calendar.schemas import (
    CalendarDayRead,
    CalendarYearRead,
    DayOverrideIn,
    WorkingDaysRead,
    YearScheduleIn,
)
from api.database import SessionDep
from api.errors import Forbidden, ValidationFailed, responses

router = APIRouter(prefix="/calendar", tags=["calendar"])

Year = Annotated[int, Path(ge=1990, le=2100)]


@router.get("/working-days", responses=responses(ValidationFailed))
async def compute_working_days(
    session: SessionDep,
    start: Annotated[date, Query(description="收到之日（第 0 日）")],
    days: Annotated[int, Query(ge=0, le=400, description="工作日数")],
) -> WorkingDaysRead:
    """The deadline n working days after a start date, and whether it rests on a provisional calendar."""
    result = await service.add_working_days(session, start, days)
    return WorkingDaysRead(start=start, days=days, deadline_date=result.deadline_date,
                           deadline_at=result.deadline_at, provisional=result.provisional)


@router.get("/{year}")
async def get_calendar_year(session: SessionDep, year: Year) -> CalendarYearRead:
    """Each non-ordinary day of a year (holidays and make-up working days) with its name."""
    y, days = await service.year_days(session, year)
    return CalendarYearRead(
        year=year, known=y is not None, source=y.source if y else None,
        days=[CalendarDayRead(date=d.day_date, kind=d.kind, name=d.name, source=d.source) for d in days],
    )


@router.put("/{year}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(Forbidden, ValidationFailed))
async def set_calendar_year(session: SessionDep, admin: AdminUser, year: Year, body: YearScheduleIn) -> None:
    """Enter a year's schedule from the State Council's holiday notice (replaces that year's days)."""
    await service.set_year(session, year, body, admin.actor(Role.admin))


@router.put("/days/{day}", responses=responses(Forbidden, ValidationFailed))
async def set_calendar_day(session: SessionDep, admin: AdminUser, day: date, body: DayOverrideIn) -> CalendarDayRead:
    """Override a single day as a holiday or a working day."""
    row = await service.set_day(session, day, body.kind, body.name, admin.actor(Role.admin))
    return CalendarDayRead(date=row.day_date, kind=row.kind, name=row.name, source=row.source)


@router.delete("/days/{day}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(Forbidden))
async def clear_calendar_day(session: SessionDep, admin: AdminUser, day: date) -> None:
    """Return a day to the weekday rule."""
    await service.clear_day(session, day, admin.actor(Role.admin))

"""Pure working-day arithmetic as Chinese practice counts it; no database here.

The day something arrives is day 0, counting starts the next working day, and the deadline is the
end of the n-th working day (Asia/Shanghai). Dates outside the known years fall back to the weekday
rule and every result that touched them is marked provisional.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkingDayResult:
    deadline_date: date
    provisional: bool

    @property
    def deadline_at(self) -> datetime:
        return end_of_day(self.deadline_date)


def end_of_day(d: date) -> datetime:
    """The last instant of a Shanghai calendar day, in UTC."""
    return datetime.combine(d, time(23, 59, 59), SHANGHAI).astimezone(UTC)


def local_date(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


class WorkCalendar:
    """`overrides` maps a date to True (working) or False (rest) when it differs from... or confirms
    the weekday rule; `known_years` are years whose official schedule has been entered."""

    def __init__(self, overrides: dict[date, bool], known_years: set[int]) -> None:
        self.overrides = overrides
        self.known_years = known_years

    def is_working_day(self, d: date) -> bool:
        found = self.overrides.get(d)
        return found if found is not None else d.weekday() < 5

    def is_known(self, d: date) -> bool:
        return d.year in self.known_years

    def add_working_days(self, start: date, days: int) -> WorkingDayResult:
        if days < 0:
            raise ValueError("days must be >= 0")
        d, counted, provisional = start, 0, not self.is_known(start)
        while counted < days:
            d += timedelta(days=1)
            provisional = provisional or not self.is_known(d)
            if self.is_working_day(d):
                counted += 1
        return WorkingDayResult(d, provisional)

    def working_days_between(self, after: date, until: date) -> int:
        """Working days d with after < d <= until (0 when until <= after)."""
        n, d = 0, after
        while d < until:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n += 1
        return n

    def provisional_between(self, a: date, b: date) -> bool:
        lo, hi = min(a, b), max(a, b)
        return any(y not in self.known_years for y in range(lo.year, hi.year + 1))

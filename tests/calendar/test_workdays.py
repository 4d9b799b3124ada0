from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.calendar import service
from api.calendar.workdays import WorkCalendar


@pytest.fixture
async def calendar(session) -> WorkCalendar:
    """The seeded calendar as the database holds it, 2004 to 2030 (2027+ not yet known)."""
    return await service.load_calendar(session, date(2004, 1, 1), date(2030, 12, 31))


dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2029, 6, 30))
counts = st.integers(min_value=0, max_value=60)


class TestProperties:
    async def test_adding_never_lands_on_a_rest_day(self, calendar):
        @settings(max_examples=300, deadline=None)
        @given(dates, st.integers(min_value=1, max_value=60))
        def check(start, n):
            assert calendar.is_working_day(calendar.add_working_days(start, n).deadline_date)

        check()

    async def test_monotonic_in_n(self, calendar):
        @settings(max_examples=300, deadline=None)
        @given(dates, counts)
        def check(start, n):
            assert calendar.add_working_days(start, n).deadline_date < calendar.add_working_days(
                start, n + 1).deadline_date

        check()

    async def test_agrees_with_a_day_by_day_count(self, calendar):
        @settings(max_examples=300, deadline=None)
        @given(dates, counts)
        def check(start, n):
            end = calendar.add_working_days(start, n).deadline_date
            counted = sum(calendar.is_working_day(start + timedelta(days=i))
                          for i in range(1, (end - start).days + 1))
            assert counted == n
            assert calendar.working_days_between(start, end) == n

        check()


# (received on day 0, working days, deadline) from the State Council notices for 2025 and 2026.
FIXED = [
    (date(2025, 1, 24), 1, date(2025, 1, 26)),   # 春节调休：1月26日（周日）上班
    (date(2025, 1, 24), 3, date(2025, 2, 5)),    # 1月28日至2月4日放假
    (date(2025, 1, 24), 6, date(2025, 2, 8)),    # 2月8日（周六）上班
    (date(2025, 4, 25), 1, date(2025, 4, 27)),   # 劳动节调休：4月27日（周日）上班
    (date(2025, 4, 25), 5, date(2025, 5, 6)),    # 5月1日至5日放假
    (date(2025, 9, 26), 1, date(2025, 9, 28)),   # 国庆调休：9月28日（周日）上班
    (date(2025, 9, 26), 4, date(2025, 10, 9)),   # 10月1日至8日放假
    (date(2025, 9, 26), 6, date(2025, 10, 11)),  # 10月11日（周六）上班
    (date(2026, 2, 13), 1, date(2026, 2, 14)),   # 2026 春节：2月14日（周六）上班
    (date(2026, 2, 13), 2, date(2026, 2, 24)),   # 2月15日至23日放假
    (date(2026, 2, 13), 6, date(2026, 2, 28)),   # 2月28日（周六）上班
    (date(2026, 4, 30), 4, date(2026, 5, 9)),    # 劳动节 5月1日至5日放假，5月9日（周六）上班
    (date(2026, 9, 30), 3, date(2026, 10, 10)),  # 国庆 10月1日至7日放假，10月10日（周六）上班
    (date(2026, 11, 24), 20, date(2026, 12, 22)),  # 依申请公开的法定 20 个工作日
    (date(2026, 11, 27), 0, date(2026, 11, 27)),
]


class TestFixedCases:
    @pytest.mark.parametrize(("start", "days", "expected"), FIXED)
    async def test_official_schedule(self, session, start, days, expected):
        result = await service.add_working_days(session, start, days)
        assert result.deadline_date == expected
        assert result.provisional is False

    async def test_make_up_saturday_is_a_working_day(self, session):
        assert await service.is_working_day(session, date(2026, 2, 28))
        assert not await service.is_working_day(session, date(2026, 2, 16))


class TestProvisional:
    async def test_past_the_known_years_falls_back_to_weekdays_and_says_so(self, session):
        result = await service.add_working_days(session, date(2031, 1, 3), 5)  # a Friday
        assert result.deadline_date == date(2031, 1, 10)
        assert result.provisional is True

    async def test_crossing_into_an_unknown_year_is_provisional(self, session):
        result = await service.add_working_days(session, date(2026, 12, 28), 10)
        assert result.provisional is True

    async def test_within_a_known_year_is_not_provisional(self, session):
        assert (await service.add_working_days(session, date(2026, 3, 2), 10)).provisional is False

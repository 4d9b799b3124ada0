from datetime import UTC, datetime

import pytest

from api.audit.service import Actor
from api.calendar import service
from api.calendar.models import ClockStatus
from api.calendar.schemas import DeadlineStatus
from api.errors import InvalidTransition

ACTOR = Actor(None, "测试经办人", "handler")


def at(y, m, d, hour=10):
    """A time on a Shanghai calendar day (10:00 Shanghai = 02:00 UTC)."""
    return datetime(y, m, d, hour - 8, 0, tzinfo=UTC)


async def started(session, days=5, when=None):
    return await service.start_clock(session, "test_case", 1, days, ACTOR, at=when or at(2026, 3, 2))


class TestStart:
    async def test_deadline_is_end_of_nth_working_day(self, session):
        clock = await started(session)  # Monday 2 March 2026, day 0
        state = await service.clock_state(session, clock, now=at(2026, 3, 2))
        assert state.deadline_date.isoformat() == "2026-03-09"
        assert state.deadline_at == datetime(2026, 3, 9, 15, 59, 59, tzinfo=UTC)  # 23:59:59 Shanghai
        assert (state.used_working_days, state.left_working_days) == (0, 5)
        assert state.status == DeadlineStatus.on_time
        assert clock.deadline_at == state.deadline_at

    async def test_due_soon_when_three_days_left(self, session):
        clock = await started(session)
        state = await service.clock_state(session, clock, now=at(2026, 3, 4))
        assert (state.used_working_days, state.left_working_days) == (2, 3)
        assert state.status == DeadlineStatus.due_soon

    async def test_overdue_then_very_overdue(self, session):
        clock = await started(session)
        assert (await service.clock_state(session, clock, now=at(2026, 3, 10))).status == DeadlineStatus.overdue
        # Late by the original period again (5 working days after 9 March).
        state = await service.clock_state(session, clock, now=at(2026, 3, 16))
        assert state.status == DeadlineStatus.very_overdue
        assert state.left_working_days == -5


class TestPauseResume:
    async def test_paused_time_does_not_count(self, session):
        clock = await started(session)
        await service.pause_clock(session, clock, ACTOR, "补正", at=at(2026, 3, 3))
        paused = await service.clock_state(session, clock, now=at(2026, 3, 20))
        assert paused.status == DeadlineStatus.paused
        assert paused.used_working_days == 1
        await service.resume_clock(session, clock, ACTOR, at=at(2026, 3, 10))  # 5 working days later
        state = await service.clock_state(session, clock, now=at(2026, 3, 10))
        assert state.deadline_date.isoformat() == "2026-03-16"
        assert (state.used_working_days, state.left_working_days) == (1, 4)
        assert clock.status == ClockStatus.running

    async def test_cannot_pause_twice(self, session):
        clock = await started(session)
        await service.pause_clock(session, clock, ACTOR, "补正", at=at(2026, 3, 3))
        with pytest.raises(InvalidTransition):
            await service.pause_clock(session, clock, ACTOR, "again", at=at(2026, 3, 4))

    async def test_resume_when_running_is_refused(self, session):
        clock = await started(session)
        with pytest.raises(InvalidTransition):
            await service.resume_clock(session, clock, ACTOR)


class TestRestart:
    async def test_restart_counts_from_zero(self, session):
        clock = await started(session, days=20)
        await service.pause_clock(session, clock, ACTOR, "补正通知", at=at(2026, 3, 5))
        await service.restart_clock(session, clock, ACTOR, "收到补正材料", at=at(2026, 3, 12))
        state = await service.clock_state(session, clock, now=at(2026, 3, 12))
        assert state.used_working_days == 0
        assert state.deadline_date == (await service.add_working_days(
            session, at(2026, 3, 12).date(), 20)).deadline_date


class TestExtend:
    async def test_extension_adds_working_days_and_records_approver(self, session):
        clock = await started(session, days=20)
        before = (await service.clock_state(session, clock, now=at(2026, 3, 2))).deadline_date
        approver = Actor(7, "吴局长", "leader")
        await service.extend_clock(session, clock, 20, approver, "情况复杂，经负责人批准延长", at=at(2026, 3, 20))
        state = await service.clock_state(session, clock, now=at(2026, 3, 20))
        assert state.extended_days == 20
        assert state.deadline_date == (await service.add_working_days(session, before, 20)).deadline_date
        events = await service.clock_events(session, clock)
        assert [(e.kind, e.actor_name, e.days) for e in events][-1] == ("extend", "吴局长", 20)

    async def test_extend_by_zero_is_refused(self, session):
        from api.errors import ValidationFailed

        clock = await started(session)
        with pytest.raises(ValidationFailed):
            await service.extend_clock(session, clock, 0, ACTOR, "x")


class TestStop:
    async def test_stopped_clock_reports_stopped_and_freezes_usage(self, session):
        clock = await started(session)
        await service.stop_clock(session, clock, ACTOR, at=at(2026, 3, 4))
        state = await service.clock_state(session, clock, now=at(2026, 4, 30))
        assert state.status == DeadlineStatus.stopped
        assert state.used_working_days == 2
        assert clock.deadline_at is None
        with pytest.raises(InvalidTransition):
            await service.pause_clock(session, clock, ACTOR, "x")

    async def test_history_lists_every_event(self, session):
        clock = await started(session)
        await service.pause_clock(session, clock, ACTOR, "补正", at=at(2026, 3, 3))
        await service.resume_clock(session, clock, ACTOR, at=at(2026, 3, 4))
        await service.stop_clock(session, clock, ACTOR, at=at(2026, 3, 5))
        kinds = [e.kind for e in await service.clock_events(session, clock)]
        assert kinds == ["start", "pause", "resume", "stop"]


class TestProvisionalClock:
    async def test_clock_past_known_years_is_provisional(self, session):
        clock = await service.start_clock(session, "test_case", 2, 10, ACTOR, at=at(2026, 12, 24))
        assert (await service.clock_state(session, clock, now=at(2026, 12, 24))).provisional is True

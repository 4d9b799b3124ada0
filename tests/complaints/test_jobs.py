from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.calendar.workdays import local_date
from api.cli import main as cli_main
from api.complaints import reminders, submission
from api.complaints.models import Complaint, ComplaintEvent, ComplaintReminder
from api.complaints.schemas import ComplaintCreate
from api.notifications.models import Notification
from tests.complaints.helpers import replied, world
from tests.factories import auth


def at(y, m, d, hour=10):
    """A time on a Shanghai calendar day."""
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


async def received(session, w, when):
    c, _, _ = await submission.receive(session, None, ComplaintCreate(
        mailbox_id=w.mailbox.id, subject="路灯不亮", body="大院东门路灯不亮。"), "198.51.100.1", when)
    return c


class TestRunDueJobs:
    async def test_due_soon_reminds_the_handlers_once(self, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))  # 10 working days: due 16 March
        assert (await reminders.run_due_jobs(session, at(2026, 3, 10))).reminded == 0
        report = await reminders.run_due_jobs(session, at(2026, 3, 11))
        assert report.reminded == 1
        assert (await reminders.run_due_jobs(session, at(2026, 3, 12))).reminded == 0
        reminder = (await session.execute(select(ComplaintReminder).where(
            ComplaintReminder.complaint_id == c.id))).scalar_one()
        assert (reminder.kind, reminder.recipients) == ("due_soon", 1)
        inbox = (await session.execute(select(Notification.user_id, Notification.object_id).where(
            Notification.object_type == "complaint"))).all()
        assert len(inbox) == 1 and inbox[0].object_id == c.id

    async def test_overdue_is_a_second_reminder_to_handlers_and_leaders(self, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))
        await reminders.run_due_jobs(session, at(2026, 3, 11))
        assert (await reminders.run_due_jobs(session, at(2026, 3, 17))).reminded == 1
        kinds = (await session.execute(select(ComplaintReminder.kind, ComplaintReminder.recipients).where(
            ComplaintReminder.complaint_id == c.id).order_by(ComplaintReminder.id))).all()
        assert [tuple(k) for k in kinds] == [("due_soon", 1), ("overdue", 2)]

    async def test_answered_letters_are_not_reminded(self, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))
        c.status = "not_accepted"
        await session.flush()
        assert (await reminders.run_due_jobs(session, at(2026, 3, 11))).reminded == 0

    async def test_auto_complete_after_20_working_days_as_satisfied(self, client, session):
        w = await world(session)
        cid, _receipt = await replied(client, w)
        c = await session.get(Complaint, cid)
        await session.refresh(c)
        last_day = c.auto_complete_date
        replied_day = local_date(c.replied_at)
        assert (await reminders.add_working_days_between(session, replied_day, last_day)) == 20
        on_last_day = datetime(last_day.year, last_day.month, last_day.day, 12, tzinfo=UTC)
        assert (await reminders.run_due_jobs(session, on_last_day)).auto_completed == 0
        report = await reminders.run_due_jobs(session, on_last_day + timedelta(days=1))
        assert report.auto_completed == 1
        await session.refresh(c)
        assert (c.status, c.satisfaction) == ("completed", "satisfied")
        assert (await reminders.run_due_jobs(session, on_last_day + timedelta(days=2))).auto_completed == 0
        actions = (await session.execute(select(ComplaintEvent.action).where(
            ComplaintEvent.complaint_id == cid))).scalars().all()
        assert actions[-1] == "auto_complete"


class TestOverdueList:
    async def test_leader_sees_overdue_letters(self, client, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))
        await session.commit()
        r = await client.get("/api/v1/complaints/overdue", headers=auth(w.leader))
        assert r.status_code == 200
        items = r.json()
        assert [i["id"] for i in items] == [c.id]
        assert items[0]["clock"]["status"] in ("overdue", "very_overdue")

    async def test_handler_cannot_list_overdue(self, client, session):
        w = await world(session)
        assert (await client.get("/api/v1/complaints/overdue", headers=auth(w.triager))).status_code == 403


class TestCli:
    def test_complaints_jobs_command_is_registered(self):
        import pytest

        with pytest.raises(SystemExit) as exc:
            cli_main(["complaints-jobs", "--help"])
        assert exc.value.code == 0

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.calendar.models import DeadlineClock
from api.calendar.workdays import local_date
from api.cases import reminders as kernel_reminders
from api.cases.models import CaseReminder
from api.cli import main as cli_main
from api.complaints import reminders, submission
from api.complaints.models import Complaint, ComplaintEvent
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


class TestReminders:
    """The reply limit's reminders are the case kernel's (api.cases.reminders), from the rule the complaint
    workflow declares; each is also a step in the letter's internal history."""

    async def test_due_soon_reminds_the_handlers_once(self, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))  # 10 working days: due 16 March
        assert (await kernel_reminders.run(session, at(2026, 3, 10))).reminded == 0
        report = await kernel_reminders.run(session, at(2026, 3, 11))
        assert (report.reminded, report.notifications) == (1, 1)
        assert (await kernel_reminders.run(session, at(2026, 3, 12))).reminded == 0
        sent = (await session.execute(select(CaseReminder.case_type, CaseReminder.kind, CaseReminder.recipients)
                                      .where(CaseReminder.case_id == c.id))).all()
        assert [tuple(r) for r in sent] == [("complaint", "due_soon", 1)]
        inbox = (await session.execute(select(Notification.user_id, Notification.link, Notification.event).where(
            Notification.object_type == "complaint", Notification.object_id == c.id))).all()
        assert [tuple(n) for n in inbox] == [(w.triager.id, f"/workspace/complaints/{c.id}", "complaint.due_soon")]
        events = (await session.execute(select(ComplaintEvent.action, ComplaintEvent.public, ComplaintEvent.note)
                                        .where(ComplaintEvent.complaint_id == c.id))).all()
        assert events[-1].action == "remind" and not events[-1].public and "即将到期" in events[-1].note

    async def test_overdue_is_a_second_reminder_to_handlers_and_leaders(self, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))
        await kernel_reminders.run(session, at(2026, 3, 11))
        assert (await kernel_reminders.run(session, at(2026, 3, 17))).reminded == 1
        kinds = (await session.execute(select(CaseReminder.kind, CaseReminder.recipients).where(
            CaseReminder.case_id == c.id, CaseReminder.case_type == "complaint").order_by(CaseReminder.id))).all()
        assert [tuple(k) for k in kinds] == [("due_soon", 1), ("overdue", 2)]

    async def test_a_forwarded_letter_reminds_the_lead_department(self, client, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))
        await session.commit()
        r = await client.post(f"/api/v1/complaints/{c.id}/accept", headers=auth(w.triager), json={})
        assert r.status_code == 200, r.text
        r = await client.post(f"/api/v1/complaints/{c.id}/forward", headers=auth(w.triager),
                              json={"unit_ids": [w.cars.id], "lead_unit_id": w.cars.id})
        assert r.status_code == 200, r.text
        assert (await kernel_reminders.run(session, at(2026, 3, 11))).reminded == 1
        told = (await session.execute(select(Notification.user_id).where(
            Notification.event == "complaint.due_soon", Notification.object_id == c.id))).scalars().all()
        assert told == [w.car_handler.id]

    async def test_answered_letters_are_not_reminded(self, session):
        w = await world(session)
        c = await received(session, w, at(2026, 3, 2))
        c.status = "not_accepted"
        await session.flush()
        assert (await kernel_reminders.run(session, at(2026, 3, 11))).reminded == 0

    async def test_a_reopened_letters_second_clock_is_reminded_too(self, client, session):
        w = await world(session)
        cid, receipt = await replied(client, w)
        r = await client.post("/api/v1/complaints/lookup/rating", json={
            "tracking_no": receipt["tracking_no"], "query_code": receipt["query_code"], "satisfaction": "dissatisfied"})
        assert r.status_code == 200, r.text
        clock = (await session.execute(select(DeadlineClock).where(
            DeadlineClock.case_id == cid, DeadlineClock.case_type == "complaint_reopened"))).scalar_one()
        report = await kernel_reminders.run(session, clock.deadline_at + timedelta(days=1))
        assert report.reminded == 1
        sent = (await session.execute(select(CaseReminder.case_type, CaseReminder.kind).where(
            CaseReminder.case_id == cid))).all()
        assert [tuple(r) for r in sent] == [("complaint_reopened", "overdue")]

class TestAutoComplete:
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

"""Due-soon and overdue reminders for every case type with a deadline clock (api.cases.reminders), on the
worker's periodic due_jobs: time travel by passing `now`, never by waiting."""

from datetime import datetime, timedelta

from sqlalchemy import select

from api.calendar import service as calendar
from api.cases import reminders
from api.cases.models import CaseReminder
from api.notifications.models import Notification
from tests.applications.helpers import accepted
from tests.disclosure_requests import helpers as dreq
from tests.factories import auth


async def deadline(session, case_type: str, case_id: int) -> datetime:
    clock = await calendar.get_clock(session, case_type, case_id)
    assert clock is not None and clock.deadline_at is not None
    return clock.deadline_at


async def told(session, case_type: str, case_id: int) -> list[tuple[int, str, str | None]]:
    rows = (await session.execute(select(Notification.user_id, Notification.event, Notification.link).where(
        Notification.object_type == case_type, Notification.object_id == case_id,
        Notification.kind == "deadline_reminder").order_by(Notification.id))).all()
    return [tuple(r) for r in rows]


class TestApplications:
    async def test_due_soon_then_overdue_each_once(self, client, session, world):
        app = await accepted(client, world)  # 5 promised working days from today
        due = await deadline(session, "application", app["id"])
        assert (await reminders.run(session, due - timedelta(days=30))).reminded == 0
        first = await reminders.run(session, due - timedelta(hours=1))  # the deadline day: 0 days left
        assert first.reminded == 1
        assert (await reminders.run(session, due - timedelta(minutes=30))).reminded == 0  # once per threshold
        staff = {world.handler.id, world.handler_b.id}  # the owner unit's handlers (nobody is assigned)
        assert {u for u, _, _ in await told(session, "application", app["id"])} == staff
        assert (await reminders.run(session, due + timedelta(days=1))).reminded == 1
        assert (await reminders.run(session, due + timedelta(days=2))).reminded == 0
        rows = await told(session, "application", app["id"])
        overdue = [r for r in rows if r[1] == "application.overdue"]
        assert {u for u, _, _ in overdue} == staff | {world.leader.id, world.citizen.id}
        assert (world.citizen.id, "application.overdue", f"/my/applications/{app['id']}") in overdue
        assert not [r for r in rows if r[0] == world.citizen.id and r[1] == "application.due_soon"]
        kinds = (await session.execute(select(CaseReminder.kind, CaseReminder.recipients).where(
            CaseReminder.case_type == "application", CaseReminder.case_id == app["id"])
            .order_by(CaseReminder.id))).all()
        assert [tuple(k) for k in kinds] == [("due_soon", 2), ("overdue", 4)]

    async def test_an_assigned_application_reminds_its_assignee(self, client, session, world):
        app = await accepted(client, world)
        r = await client.post(f"/api/v1/applications/{app['id']}/assign", headers=auth(world.handler),
                              json={"user_id": world.handler_b.id})
        assert r.status_code == 200, r.text
        due = await deadline(session, "application", app["id"])
        await reminders.run(session, due - timedelta(hours=1))
        assert await told(session, "application", app["id"]) == [
            (world.handler_b.id, "application.due_soon", f"/workspace/applications/{app['id']}")]

    async def test_a_decided_application_is_not_reminded(self, client, session, world):
        app = await accepted(client, world)
        due = await deadline(session, "application", app["id"])
        r = await client.post(f"/api/v1/applications/{app['id']}/withdraw", headers=auth(world.citizen), json={})
        assert r.status_code == 200, r.text
        assert (await reminders.run(session, due + timedelta(days=1))).reminded == 0

    async def test_staff_choose_channels_for_the_reminders(self, client, world):
        r = await client.put("/api/v1/notifications/preferences", headers=auth(world.handler), json={
            "choices": [{"event": "application.due_soon", "channels": ["email"]},
                        {"event": "disclosure_request.overdue", "channels": ["sms"]}]})
        assert r.status_code == 200, r.text
        events = {e["event"] for e in (await client.get("/api/v1/notifications/events",
                                                        headers=auth(world.handler))).json()}
        assert {"application.due_soon", "application.overdue", "disclosure_request.due_soon",
                "rectification.overdue"} <= events


class TestDisclosureRequests:
    async def test_an_extension_moves_the_deadline_and_reminds_again(self, client, session):
        w = await dreq.world(session)
        rid = (await dreq.apply(client, w))["id"]
        due = await deadline(session, "disclosure_request", rid)
        assert (await reminders.run(session, due - timedelta(hours=1))).reminded == 1
        assert [(u, e) for u, e, _ in await told(session, "disclosure_request", rid)] == [
            (w.handler.id, "disclosure_request.due_soon")]
        r = await dreq.act(client, w.handler, rid, "extend", {"days": 20, "approver": "王主任", "reason": "需调取档案"})
        assert r.status_code == 200, r.text
        extended = await deadline(session, "disclosure_request", rid)
        assert extended > due
        assert (await reminders.run(session, due - timedelta(hours=1))).reminded == 0
        assert (await reminders.run(session, extended - timedelta(hours=1))).reminded == 1  # the new deadline
        assert (await reminders.run(session, extended + timedelta(days=1))).reminded == 1
        overdue = [r for r in await told(session, "disclosure_request", rid) if r[1] == "disclosure_request.overdue"]
        assert {u for u, _, _ in overdue} == {w.handler.id, w.leader.id, w.citizen.id}
        assert (w.citizen.id, "disclosure_request.overdue", f"/my/disclosure-requests/{rid}") in overdue

    async def test_one_run_covers_every_case_type(self, client, session, world):
        app = await accepted(client, world)
        w = await dreq.world(session)
        rid = (await dreq.apply(client, w))["id"]
        late = max(await deadline(session, "application", app["id"]),
                   await deadline(session, "disclosure_request", rid))
        report = await reminders.run(session, late + timedelta(days=1))
        assert report.reminded == 2
        assert await told(session, "application", app["id"]) and await told(session, "disclosure_request", rid)

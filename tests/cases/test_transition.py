"""cases.transition and cases.create on a real case type (an application): the event row, the audit record,
the notifications and the version, all in the caller's transaction."""

import pytest
from sqlalchemy import select, update

from api.applications.models import Application, ApplicationEvent
from api.applications.states import Action, ApplicationStatus
from api.audit import service as audit
from api.audit.models import AuditRecord
from api.audit.service import Actor
from api.calendar.models import ClockStatus
from api.cases import service as cases
from api.cases.workflow import ConcurrentUpdate
from api.errors import InvalidTransition
from api.notifications.models import Notification
from tests.applications.helpers import submitted

HANDLER = Actor(None, "经办人甲", "handler")


async def _load(session, app_id: int) -> Application:
    return (await session.execute(select(Application).where(Application.id == app_id))).scalar_one()


async def _events(session, app_id: int) -> list[ApplicationEvent]:
    return list((await session.execute(select(ApplicationEvent).where(ApplicationEvent.application_id == app_id)
                                       .order_by(ApplicationEvent.id))).scalars())


class TestTransition:
    async def test_moves_the_case_and_appends_its_event(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        event = await cases.transition(session, app, Action.accept, HANDLER, note="材料齐全")
        assert app.status == ApplicationStatus.accepted
        assert (event.action, event.from_status, event.to_status, event.note, event.actor_name) == \
            ("accept", "submitted", "accepted", "材料齐全", "经办人甲")
        assert [e.action for e in await _events(session, app.id)] == ["submit", "accept"]

    async def test_bumps_the_version(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        before = app.version
        await cases.transition(session, app, Action.claim, HANDLER)  # a step that keeps the state
        assert app.version == before + 1

    async def test_writes_the_audit_record_with_the_described_fields(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        await cases.transition(session, app, Action.accept, HANDLER, detail={"why": "齐全"})
        await session.flush()
        await audit.link_all(session)
        rec = (await session.execute(select(AuditRecord).where(
            AuditRecord.action == "application.accept", AuditRecord.object_id == str(app.id)))).scalar_one()
        assert rec.summary["tracking_no"] == app.tracking_no
        assert (rec.summary["from"], rec.summary["to"], rec.summary["why"]) == ("submitted", "accepted", "齐全")

    async def test_notifies_whom_the_workflow_names(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        await cases.transition(session, app, Action.accept, HANDLER)
        titles = list((await session.execute(select(Notification.title).where(
            Notification.user_id == world.citizen.id, Notification.object_id == app.id))).scalars())
        assert "受理：已受理" in titles

    async def test_refused_action_changes_nothing(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        with pytest.raises(InvalidTransition) as exc:
            await cases.transition(session, app, Action.complete, HANDLER)
        assert exc.value.detail == "申请当前状态为“已提交”，不能“办结”"
        assert app.status == ApplicationStatus.submitted
        assert [e.action for e in await _events(session, app.id)] == ["submit"]

    async def test_a_change_made_since_the_read_is_409(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        await session.execute(update(Application.__table__).where(Application.id == app.id)
                              .values(version=Application.version + 1))
        with pytest.raises(ConcurrentUpdate):
            await cases.transition(session, app, Action.accept, HANDLER)

    async def test_the_caller_chooses_among_several_targets(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        await cases.transition(session, app, Action.request_supplement, HANDLER)
        await cases.transition(session, app, Action.supplement, HANDLER, to=ApplicationStatus.submitted)
        assert app.status == ApplicationStatus.submitted


class TestClock:
    async def test_a_clock_attached_to_a_case_is_found_stopped_once(self, client, session, world):
        app = await _load(session, (await submitted(client, world.citizen))["id"])
        clock = await cases.start_clock(session, app, 5, HANDLER)
        assert (clock.case_type, clock.case_id) == ("application", app.id)
        assert await cases.clock_of(session, app) is clock
        await cases.stop_clock(session, app, HANDLER)
        await cases.stop_clock(session, app, HANDLER)  # already stopped: nothing to do
        assert clock.status == ClockStatus.stopped

from datetime import timedelta

from sqlalchemy import func, select

from api.applications.models import Application, ApplicationEvent
from api.audit import service as audit
from api.calendar.models import DeadlineClock
from api.config import get_settings
from api.notifications.models import Notification
from tests.applications.conftest import GOOD
from tests.applications.helpers import PDF, accepted, act, completed, submit, submitted, upload
from tests.factories import auth


class TestSubmit:
    async def test_creates_application_with_tracking_no(self, client, session, world):
        r = await submit(client, world.citizen)
        assert r.status_code == 201
        body = r.json()
        assert body["status"] == "submitted"
        assert body["tracking_no"].startswith("SQ20")
        assert [a["decision"] for a in body["approvals"]] == ["pending", "pending"]
        assert body["events"][0]["action"] == "submit"
        n = (await session.execute(select(func.count()).select_from(Notification)
                                   .where(Notification.user_id == world.citizen.id))).scalar_one()
        assert n == 1

    async def test_tracking_numbers_follow_each_other(self, client, world):
        a = await submitted(client, world.citizen)
        b = await submitted(client, world.citizen)
        assert int(b["tracking_no"][-6:]) == int(a["tracking_no"][-6:]) + 1

    async def test_bad_form_data_names_each_field(self, client, session, world):
        before = (await session.execute(select(func.count()).select_from(Application))).scalar_one()
        r = await submit(client, world.citizen, {"phone": "12", "kind": "永久"})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"data.applicant_name", "data.phone", "data.kind"}
        after = (await session.execute(select(func.count()).select_from(Application))).scalar_one()
        assert after == before

    async def test_unknown_service_is_404(self, client, world):
        r = await submit(client, world.citizen, code="NOPE")
        assert r.status_code == 404

    async def test_anonymous_is_401(self, client, world):
        r = await client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD})
        assert r.status_code == 401

    async def test_with_uploaded_file(self, client, world):
        att = (await upload(client, world.citizen)).json()
        app = await submitted(client, world.citizen, data={**GOOD, "docs": [att["id"]]})
        assert [(a["id"], a["field"], a["kind"]) for a in app["attachments"]] == [(att["id"], "docs", "material")]
        r = await client.get(f"/api/v1/applications/{app['id']}/attachments/{att['id']}", headers=auth(world.citizen))
        assert r.status_code == 200
        assert r.content.startswith(b"\x89PNG")

    async def test_response_is_the_detail_read_back(self, client, world):
        """The 201 body is rendered from what the request wrote; it must equal a fresh GET of the case."""
        files = [(await upload(client, world.citizen, name=f"材料{i}.png")).json()["id"] for i in range(2)]
        r = await submit(client, world.citizen, data={**GOOD, "docs": files[::-1]})
        assert r.status_code == 201, r.text
        again = await client.get(f"/api/v1/applications/{r.json()['id']}", headers=auth(world.citizen))
        assert again.status_code == 200
        assert r.json() == again.json()
        assert len(r.json()["approvals"]) == 2 and len(r.json()["attachments"]) == 2

    async def test_someone_elses_upload_is_422(self, client, world):
        att = (await upload(client, world.stranger)).json()
        r = await submit(client, world.citizen, {**GOOD, "docs": [att["id"]]})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "data.docs"

    async def test_an_upload_is_used_once(self, client, world):
        att = (await upload(client, world.citizen)).json()
        await submitted(client, world.citizen, data={**GOOD, "docs": [att["id"]]})
        r = await submit(client, world.citizen, {**GOOD, "docs": [att["id"]]})
        assert r.status_code == 422


class TestUpload:
    async def test_wrong_type_is_415(self, client, world):
        r = await upload(client, world.citizen, b"MZ\x90\x00 not an image", "virus.png")
        assert r.status_code == 415
        assert r.json()["code"] == "unsupported_media_type"

    async def test_disallowed_extension_is_415(self, client, world):
        r = await upload(client, world.citizen, b"#!/bin/sh\n", "run.sh")
        assert r.status_code == 415

    async def test_oversized_is_413(self, client, world, monkeypatch):
        monkeypatch.setattr(get_settings(), "max_upload_bytes", 1024)
        r = await upload(client, world.citizen, PDF + b"0" * 2048, "big.pdf")
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large"


class TestAccept:
    async def test_starts_the_clock(self, client, world):
        app = await accepted(client, world)
        assert app["status"] == "accepted"
        assert app["clock"]["period_days"] == 5
        assert app["clock"]["status"] in ("on_time", "due_soon")
        assert app["deadline"]["deadline_at"] is not None

    async def test_twice_is_409(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.handler, app["id"], "accept")
        assert r.status_code == 409
        assert r.json()["code"] == "invalid_transition"

    async def test_other_department_handler_is_403(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.other_handler, app["id"], "accept")
        assert r.status_code == 403

    async def test_leader_is_read_only(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await client.get(f"/api/v1/applications/{app['id']}", headers=auth(world.leader))).status_code == 200
        assert (await act(client, world.leader, app["id"], "accept")).status_code == 403

    async def test_applicant_cannot_accept(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await act(client, world.citizen, app["id"], "accept")).status_code == 403

    async def test_event_and_audit_are_written(self, client, session, world):
        app = await accepted(client, world)
        actions = (await session.execute(select(ApplicationEvent.action).where(
            ApplicationEvent.application_id == app["id"]).order_by(ApplicationEvent.id))).scalars().all()
        assert actions == ["submit", "accept"]
        audited = [r.action for r in await audit.entries(session, object_type="application", object_id=app["id"])]
        assert "application.accept" in audited


class TestNotAccept:
    async def test_with_reason(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.handler, app["id"], "not-accept", {"reason": "不属于本事项受理范围"})
        assert r.status_code == 200
        assert r.json()["status"] == "not_accepted"
        assert r.json()["reason"] == "不属于本事项受理范围"

    async def test_without_reason_is_422(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await act(client, world.handler, app["id"], "not-accept", {})).status_code == 422

    async def test_after_acceptance_is_409(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.handler, app["id"], "not-accept", {"reason": "太晚了"})
        assert r.status_code == 409


class TestSupplement:
    async def test_request_and_supply_returns_to_review(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.handler, app["id"], "supplement-request", {"items": ["身份证明"]})
        assert r.json()["status"] == "supplement_requested"
        assert r.json()["supplement_request"]["items"] == ["身份证明"]
        att = (await upload(client, world.citizen)).json()
        r = await act(client, world.citizen, app["id"], "supplement", {"data": {"docs": [att["id"]]}})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "submitted"
        assert r.json()["data"]["docs"] == [att["id"]]

    async def test_clock_pauses_and_pause_pushes_the_deadline(self, client, session, world):
        app = await accepted(client, world)
        before = app["clock"]["deadline_date"]
        r = await act(client, world.handler, app["id"], "supplement-request", {"items": ["车辆行驶证"]})
        assert r.json()["clock"]["status"] == "paused"
        assert r.json()["clock"]["paused"] is True
        clock = (await session.execute(select(DeadlineClock).where(
            DeadlineClock.case_type == "application", DeadlineClock.case_id == app["id"]))).scalar_one()
        assert clock.status == "paused"
        clock.paused_at = clock.paused_at - timedelta(days=14)  # two weeks waiting for the applicant
        clock.start_date = clock.start_date - timedelta(days=14)
        await session.flush()
        r = await act(client, world.citizen, app["id"], "supplement", {"data": {"count": 2}})
        assert r.json()["status"] == "accepted"
        clock_after = r.json()["clock"]
        assert clock_after["paused"] is False
        assert clock_after["used_working_days"] == 0  # the paused time is not counted
        assert clock_after["deadline_date"] >= before

    async def test_supply_with_bad_data_is_422_and_changes_nothing(self, client, world):
        app = await submitted(client, world.citizen)
        await act(client, world.handler, app["id"], "supplement-request", {"items": ["电话"]})
        r = await act(client, world.citizen, app["id"], "supplement", {"data": {"phone": "abc"}})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "data.phone"
        r = await client.get(f"/api/v1/applications/{app['id']}", headers=auth(world.citizen))
        assert r.json()["status"] == "supplement_requested"

    async def test_supply_when_not_requested_is_409(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await act(client, world.citizen, app["id"], "supplement", {"data": {}})).status_code == 409

    async def test_request_needs_items(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.handler, app["id"], "supplement-request", {"items": [" "]})
        assert r.status_code == 422

    async def test_after_completion_is_409(self, client, world):
        app = await completed(client, world)
        r = await act(client, world.handler, app["id"], "supplement-request", {"items": ["x"]})
        assert r.status_code == 409


class TestStart:
    async def test_accepted_to_in_progress(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.handler, app["id"], "start")
        assert r.json()["status"] == "in_progress"

    async def test_before_acceptance_is_409(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await act(client, world.handler, app["id"], "start")).status_code == 409


class TestDecisions:
    async def test_all_approve_completes(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.handler, app["id"], "decisions", {"decision": "approve"})
        assert r.json()["status"] == "in_progress"
        r = await act(client, world.other_handler, app["id"], "decisions", {"decision": "approve", "note": "准予通行"})
        body = r.json()
        assert body["status"] == "completed"
        assert body["result_note"] == "准予通行"
        assert body["clock"]["status"] == "stopped"
        assert body["on_time"] is True
        assert {a["decision"] for a in body["approvals"]} == {"approved"}

    async def test_one_refusal_refuses_with_its_reason(self, client, world):
        app = await accepted(client, world)
        await act(client, world.handler, app["id"], "decisions", {"decision": "approve"})
        r = await act(client, world.other_handler, app["id"], "decisions", {"decision": "refuse", "note": "车位已满"})
        assert r.json()["status"] == "refused"
        assert r.json()["reason"] == "办公室：车位已满"

    async def test_refusal_needs_a_reason(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.other_handler, app["id"], "decisions", {"decision": "refuse"})
        assert r.status_code == 422

    async def test_same_department_twice_is_409(self, client, world):
        app = await accepted(client, world)
        await act(client, world.handler, app["id"], "decisions", {"decision": "approve"})
        r = await act(client, world.handler_b, app["id"], "decisions", {"decision": "approve"})
        assert r.status_code == 409

    async def test_before_acceptance_is_409(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.other_handler, app["id"], "decisions", {"decision": "approve"})
        assert r.status_code == 409

    async def test_non_approving_department_gets_404(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.unrelated_handler, app["id"], "decisions", {"decision": "approve"})
        assert r.status_code == 404

    async def test_result_document(self, client, world):
        app = await accepted(client, world)
        await act(client, world.handler, app["id"], "decisions", {"decision": "approve"})
        att = (await upload(client, world.other_handler, PDF, "通行证.pdf")).json()
        r = await act(client, world.other_handler, app["id"], "decisions",
                      {"decision": "approve", "result_attachment_ids": [att["id"]]})
        assert [a["kind"] for a in r.json()["attachments"]] == ["result"]
        r = await client.get(f"/api/v1/applications/{app['id']}/attachments/{att['id']}", headers=auth(world.citizen))
        assert r.status_code == 200


class TestWithdraw:
    async def test_before_completion(self, client, world):
        app = await accepted(client, world)
        r = await act(client, world.citizen, app["id"], "withdraw", {"note": "不需要了"})
        assert r.json()["status"] == "withdrawn"
        assert r.json()["clock"]["status"] == "stopped"

    async def test_after_completion_is_409(self, client, world):
        app = await completed(client, world)
        assert (await act(client, world.citizen, app["id"], "withdraw")).status_code == 409

    async def test_handler_cannot_withdraw(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await act(client, world.handler, app["id"], "withdraw")).status_code == 403


class TestClaimAndAssign:
    async def test_claim_then_other_handler_is_409(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.handler, app["id"], "claim")
        assert r.json()["assignee_name"] == world.handler.display_name
        r = await act(client, world.handler_b, app["id"], "claim")
        assert r.status_code == 409
        assert r.json()["code"] == "already_claimed"

    async def test_assign_to_department_handler(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.handler, app["id"], "assign", {"user_id": world.handler_b.id})
        assert r.json()["assignee_name"] == world.handler_b.display_name

    async def test_assign_outside_department_is_422(self, client, world):
        app = await submitted(client, world.citizen)
        r = await act(client, world.handler, app["id"], "assign", {"user_id": world.other_handler.id})
        assert r.status_code == 422

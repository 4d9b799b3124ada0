"""Complaints on the case kernel: one vocabulary for staff and writers, optimistic locking."""

import pytest
from sqlalchemy import update

from api.auth.service import load_user, to_principal
from api.cases.workflow import ConcurrentUpdate
from api.complaints import handling, service, submission
from api.complaints.models import Complaint
from api.complaints.schemas import ComplaintCreate
from api.database import utcnow
from tests.complaints.helpers import act, complaint_id, submit_anonymous, world
from tests.factories import auth


class TestVocabulary:
    async def test_the_complaint_workflow_and_its_value_lists_are_served(self, client, session):
        body = (await client.get("/api/v1/vocabulary")).json()
        states = {s["value"]: s["label"] for s in body["workflows"]["complaint"]["states"]}
        assert states["not_accepted"] == "不予受理" and states["completed"] == "已办结"
        assert {"complaint_kind", "complaint_satisfaction", "complaint_not_accept_reason"} <= set(body["enums"])
        assert {"value": "inquiry", "label": "咨询"} in body["enums"]["complaint_kind"]

    async def test_the_writers_lookup_shows_the_label_staff_see(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        cid = await complaint_id(client, w, receipt)
        await act(client, w.triager, cid, "accept")
        await act(client, w.triager, cid, "forward", {"unit_ids": [w.cars.id], "lead_unit_id": w.cars.id})
        view = (await client.post("/api/v1/complaints/lookup",
                                  json={k: receipt[k] for k in ("tracking_no", "query_code")})).json()
        states = {s["value"]: s["label"] for s in
                  (await client.get("/api/v1/vocabulary")).json()["workflows"]["complaint"]["states"]}
        staff = (await client.get(f"/api/v1/complaints/{cid}", headers=auth(w.triager))).json()
        assert view["status_label"] == states[staff["status"]] == "已转办"


class TestOptimisticLocking:
    async def test_a_change_made_since_the_letter_was_read_answers_409(self, session):
        w = await world(session)
        c, _, _ = await submission.receive(session, None, ComplaintCreate(
            mailbox_id=w.mailbox.id, subject="路灯不亮", body="大院东门路灯不亮。"), "198.51.100.1", utcnow())
        c = await service.load(session, c.id)
        await session.execute(update(Complaint).where(Complaint.id == c.id).values(version=Complaint.version + 1)
                              .execution_options(synchronize_session=False))
        with pytest.raises(ConcurrentUpdate):
            await handling.accept(session, to_principal(await load_user(session, w.triager.id)), c, None)

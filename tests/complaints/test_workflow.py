from sqlalchemy import select

from api.audit import service as audit
from api.calendar.models import DeadlineClock
from api.complaints.models import ComplaintEvent, ComplaintForward
from tests.complaints.helpers import act, complaint_id, forwarded, replied, submit_anonymous, submit_as, world
from tests.factories import auth

URL = "/api/v1/complaints"


async def lookup(client, receipt):
    r = await client.post(f"{URL}/lookup", json={k: receipt[k] for k in ("tracking_no", "query_code")})
    assert r.status_code == 200
    return r.json()


class TestVisibility:
    async def test_another_writers_letter_answers_404(self, client, session):
        w = await world(session)
        receipt = await submit_as(client, w, w.citizen)
        cid = await complaint_id(client, w, receipt)
        r = await client.get(f"{URL}/{cid}", headers=auth(w.other_citizen))
        assert r.status_code == 404
        assert r.json()["code"] == "complaint_not_found"

    async def test_unrelated_department_handler_gets_404(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        assert (await client.get(f"{URL}/{cid}", headers=auth(w.car_handler))).status_code == 404
        assert (await act(client, w.car_handler, cid, "accept")).status_code == 404

    async def test_writer_sees_own_letter_without_internal_steps(self, client, session):
        w = await world(session)
        receipt = await submit_as(client, w, w.citizen)
        cid = await complaint_id(client, w, receipt)
        await act(client, w.triager, cid, "accept")
        await act(client, w.triager, cid, "forward", {"unit_ids": [w.cars.id], "lead_unit_id": w.cars.id})
        await act(client, w.car_handler, cid, "draft", {"body": "草稿"})
        body = (await client.get(f"{URL}/{cid}", headers=auth(w.citizen))).json()
        assert body["drafts"] == []
        assert body["allowed_actions"] == []
        assert "draft" not in [e["action"] for e in body["events"]]

    async def test_list_shows_writer_only_their_own(self, client, session):
        w = await world(session)
        await submit_as(client, w, w.citizen)
        await submit_as(client, w, w.other_citizen)
        items = (await client.get(URL, headers=auth(w.citizen))).json()["items"]
        assert len(items) == 1

    async def test_mine_leaves_a_staff_member_only_the_letters_they_wrote(self, client, session):
        w = await world(session)
        await submit_as(client, w, w.citizen)
        own = await submit_as(client, w, w.triager)
        queue = (await client.get(URL, headers=auth(w.triager))).json()["items"]
        assert len(queue) == 2
        mine = (await client.get(URL, params={"mine": True}, headers=auth(w.triager))).json()["items"]
        assert [i["tracking_no"] for i in mine] == [own["tracking_no"]]

    async def test_forwarded_department_sees_the_letter(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w)
        items = (await client.get(URL, headers=auth(w.car_handler))).json()["items"]
        assert [i["id"] for i in items] == [cid]


class TestAcceptNotAccept:
    async def test_owner_unit_handler_accepts(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        cid = await complaint_id(client, w, receipt)
        r = await act(client, w.triager, cid, "accept")
        assert r.status_code == 200
        assert r.json()["status"] == "accepted"
        assert (await lookup(client, receipt))["status_label"] == "已受理"

    async def test_not_accepted_with_a_reason_the_writer_sees(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        cid = await complaint_id(client, w, receipt)
        r = await act(client, w.triager, cid, "not-accept", {"reason": "not_our_business",
                                                          "note": "该事项属于市交通局职责，请向其反映。"})
        assert r.json()["status"] == "not_accepted"
        view = await lookup(client, receipt)
        assert view["not_accept_reason"] == "not_our_business"
        assert view["not_accept_note"] == "该事项属于市交通局职责，请向其反映。"
        clock = (await session.execute(select(DeadlineClock).where(DeadlineClock.case_id == cid))).scalar_one()
        assert clock.status == "stopped"

    async def test_not_accepting_needs_a_reason(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        r = await act(client, w.triager, cid, "not-accept", {"reason": "spam"})
        assert r.status_code == 422

    async def test_accepted_letter_cannot_be_not_accepted(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, cid, "accept")
        r = await act(client, w.triager, cid, "not-accept", {"reason": "spam", "note": "垃圾信息"})
        assert r.status_code == 409
        assert r.json()["code"] == "invalid_transition"
        assert r.json()["detail"] == "来信当前状态为“已受理”，不能“不予受理”"

    async def test_not_accepted_letter_cannot_be_accepted(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, cid, "not-accept", {"reason": "spam", "note": "垃圾信息"})
        assert (await act(client, w.triager, cid, "accept")).status_code == 409

    async def test_editor_cannot_accept(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        assert (await act(client, w.editor, cid, "accept")).status_code == 404  # editors see only answered letters

    async def test_every_step_leaves_an_event_and_an_audit_record(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, cid, "accept")
        actions = (await session.execute(select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == cid)
                                         .order_by(ComplaintEvent.id))).scalars().all()
        assert actions == ["submit", "accept"]
        audited = [r.action for r in await audit.entries(session, object_type="complaint", object_id=cid)]
        assert {"complaint.submit", "complaint.accept"} <= set(audited)


class TestForward:
    async def test_forward_to_several_departments_with_one_lead(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w, [w.cars, w.estate])
        body = (await client.get(f"{URL}/{cid}", headers=auth(w.leader))).json()
        assert body["status"] == "forwarded"
        assert body["lead_unit_name"] == "车辆管理中心"
        assert {(f["org_unit_name"], f["is_lead"]) for f in body["forwards"]} == {("车辆管理中心", True),
                                                                                  ("物业公司", False)}

    async def test_lead_must_be_among_the_departments(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, cid, "accept")
        r = await act(client, w.triager, cid, "forward", {"unit_ids": [w.cars.id], "lead_unit_id": w.estate.id})
        assert r.status_code == 422

    async def test_submitted_letter_cannot_be_forwarded(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        r = await act(client, w.triager, cid, "forward", {"unit_ids": [w.cars.id], "lead_unit_id": w.cars.id})
        assert r.status_code == 409

    async def test_reforwarding_keeps_the_history(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w)
        r = await act(client, w.triager, cid, "forward", {"unit_ids": [w.estate.id], "lead_unit_id": w.estate.id,
                                                           "note": "应由物业公司办理"})
        assert r.status_code == 200
        rows = (await session.execute(select(ComplaintForward).where(ComplaintForward.complaint_id == cid)
                                      .order_by(ComplaintForward.id))).scalars().all()
        assert [(f.org_unit_id, f.active) for f in rows] == [(w.cars.id, False), (w.estate.id, True)]
        assert r.json()["lead_unit_name"] == "物业公司"

    async def test_assisting_department_adds_an_opinion(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w, [w.cars, w.estate])
        r = await act(client, w.estate_handler, cid, "opinions", {"body": "物业公司已检查线路。"})
        assert r.status_code == 200
        assert any(e["action"] == "opinion" for e in r.json()["events"])

    async def test_assisting_department_cannot_draft_the_reply(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w, [w.cars, w.estate])
        r = await act(client, w.estate_handler, cid, "draft", {"body": "答复"})
        assert r.status_code == 403


class TestDraftAndReview:
    async def test_handler_drafts_and_leader_approves(self, client, session):
        w = await world(session)
        _cid, receipt = await replied(client, w)
        view = await lookup(client, receipt)
        assert view["status"] == "replied"
        assert view["can_rate"] is True
        assert view["replies"][0]["body"] == "已安排维修，感谢来信。"
        assert view["replies"][0]["unit_name"] == "车辆管理中心"

    async def test_leader_returns_the_draft_with_comments(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w)
        await act(client, w.car_handler, cid, "draft", {"body": "初稿"})
        r = await act(client, w.leader, cid, "review", {"decision": "return", "comment": "请写明维修完成时间"})
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "forwarded"
        assert body["drafts"][0]["decision"] == "returned"
        assert body["drafts"][0]["review_comment"] == "请写明维修完成时间"
        assert (await act(client, w.car_handler, cid, "draft", {"body": "二稿：本周五前完成"})).status_code == 200

    async def test_return_needs_a_comment(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w)
        await act(client, w.car_handler, cid, "draft", {"body": "初稿"})
        assert (await act(client, w.leader, cid, "review", {"decision": "return"})).status_code == 422

    async def test_handler_cannot_approve(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w)
        await act(client, w.car_handler, cid, "draft", {"body": "初稿"})
        assert (await act(client, w.car_handler, cid, "review", {"decision": "approve"})).status_code == 403

    async def test_review_without_a_draft_is_refused(self, client, session):
        w = await world(session)
        cid = await forwarded(client, w)
        assert (await act(client, w.leader, cid, "review", {"decision": "approve"})).status_code == 409

    async def test_owner_unit_can_answer_without_forwarding(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, cid, "accept")
        assert (await act(client, w.triager, cid, "draft", {"body": "办公室直接答复"})).status_code == 200
        r = await act(client, w.leader, cid, "review", {"decision": "approve"})
        assert r.json()["status"] == "replied"

    async def test_cannot_draft_before_acceptance(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        assert (await act(client, w.triager, cid, "draft", {"body": "答复"})).status_code == 409


class TestExtend:
    async def test_extension_explanation_is_shown_to_the_writer(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        cid = await complaint_id(client, w, receipt)
        await act(client, w.triager, cid, "accept")
        before = (await lookup(client, receipt))["reply_due_date"]
        r = await act(client, w.leader, cid, "extend", {"days": 5, "explanation": "需现场勘查并协调维修单位"})
        assert r.status_code == 200
        assert r.json()["clock"]["extended_days"] == 5
        view = await lookup(client, receipt)
        assert view["extension_note"] == "需现场勘查并协调维修单位"
        assert view["reply_due_date"] > before
        assert any(e["action"] == "extend" for e in view["events"])

    async def test_extension_needs_an_explanation(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        assert (await act(client, w.leader, cid, "extend", {"days": 5})).status_code == 422

    async def test_handler_cannot_extend(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w))
        r = await act(client, w.triager, cid, "extend", {"days": 5, "explanation": "需要更多时间调查"})
        assert r.status_code == 403

    async def test_replied_letter_cannot_be_extended(self, client, session):
        w = await world(session)
        cid, _ = await replied(client, w)
        r = await act(client, w.leader, cid, "extend", {"days": 5, "explanation": "需要更多时间调查"})
        assert r.status_code == 409


class TestRating:
    async def _rate(self, client, receipt, satisfaction):
        return await client.post(f"{URL}/lookup/rating", json={
            "tracking_no": receipt["tracking_no"], "query_code": receipt["query_code"],
            "satisfaction": satisfaction})

    async def test_satisfied_completes_the_case(self, client, session):
        w = await world(session)
        _, receipt = await replied(client, w)
        r = await self._rate(client, receipt, "satisfied")
        assert r.status_code == 200
        assert r.json()["status"] == "completed"
        assert r.json()["satisfaction"] == "satisfied"

    async def test_rating_twice_answers_409(self, client, session):
        w = await world(session)
        _, receipt = await replied(client, w)
        await self._rate(client, receipt, "basically_satisfied")
        r = await self._rate(client, receipt, "satisfied")
        assert r.status_code == 409
        assert r.json()["code"] == "already_rated"

    async def test_rating_before_the_reply_answers_409(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        assert (await self._rate(client, receipt, "satisfied")).status_code == 409

    async def test_rating_with_wrong_code_answers_404(self, client, session):
        w = await world(session)
        _, receipt = await replied(client, w)
        r = await self._rate(client, {**receipt, "query_code": "WRONG234"}, "satisfied")
        assert r.status_code == 404

    async def test_dissatisfied_reopens_once_for_second_handling(self, client, session):
        w = await world(session)
        cid, receipt = await replied(client, w)
        r = await self._rate(client, receipt, "dissatisfied")
        assert r.json()["status"] == "forwarded"
        clocks = (await session.execute(select(DeadlineClock.case_type, DeadlineClock.status)
                                        .where(DeadlineClock.case_id == cid).order_by(DeadlineClock.id))).all()
        assert [tuple(c) for c in clocks] == [("complaint", "stopped"), ("complaint_reopened", "running")]
        await act(client, w.car_handler, cid, "draft", {"body": "再次核实后，已全部更换灯具。"})
        await act(client, w.leader, cid, "review", {"decision": "approve"})
        view = await lookup(client, receipt)
        assert [x["body"] for x in view["replies"]] == ["已安排维修，感谢来信。", "再次核实后，已全部更换灯具。"]
        r = await self._rate(client, receipt, "dissatisfied")
        assert r.json()["status"] == "completed"
        assert r.json()["satisfaction"] == "dissatisfied"

    async def test_signed_in_writer_rates_their_own_letter(self, client, session):
        w = await world(session)
        receipt = await submit_as(client, w, w.citizen)
        cid = await complaint_id(client, w, receipt)
        await act(client, w.triager, cid, "accept")
        await act(client, w.triager, cid, "draft", {"body": "答复"})
        await act(client, w.leader, cid, "review", {"decision": "approve"})
        # The letter page offers the rating: the writer's one allowed action once the reply is out.
        assert (await client.get(f"{URL}/{cid}", headers=auth(w.citizen))).json()["allowed_actions"] == ["rate"]
        mine = (await client.get(URL, params={"mine": True}, headers=auth(w.citizen))).json()["items"]
        assert [i["awaiting_rating"] for i in mine] == [True]
        assert (await act(client, w.other_citizen, cid, "rating", {"satisfaction": "satisfied"})).status_code == 404
        r = await act(client, w.citizen, cid, "rating", {"satisfaction": "satisfied"})
        assert r.status_code == 200
        assert r.json()["status"] == "completed"
        after = (await client.get(f"{URL}/{cid}", headers=auth(w.citizen))).json()
        assert (after["allowed_actions"], after["awaiting_rating"]) == ([], False)

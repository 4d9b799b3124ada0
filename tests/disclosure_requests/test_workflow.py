import io
from datetime import date, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from api.audit import service as audit
from api.calendar import service as calendar
from api.calendar.workdays import local_date
from api.database import utcnow
from api.disclosure_requests.states import CLOSING_REASONS, LEGAL_BASIS, REASONS, Outcome
from api.notifications.models import Notification
from tests.disclosure_requests.helpers import BASE, act, application, apply, get, record, set_columns, world
from tests.factories import auth


def today() -> date:
    return local_date(utcnow())


async def working_days_after(session, start: date, days: int) -> date:
    return (await calendar.add_working_days(session, start, days)).deadline_date


async def recent_working_day(session, back: int) -> date:
    """A date `back` working days before today (counted by the calendar kernel)."""
    d = today()
    cal = await calendar.load_calendar(session, d - timedelta(days=60), d)
    while cal.working_days_between(d, today()) < back:
        d -= timedelta(days=1)
    return d


class TestApply:
    async def test_citizen_applies_online_and_the_20_day_clock_starts_today(self, client, session):
        w = await world(session)
        body = await apply(client, w)
        assert body["tracking_no"].startswith("YSQ") and body["status"] == "received"
        assert body["channel"] == "online" and body["received_date"] == today().isoformat()
        assert body["clock"]["period_days"] == 20
        assert body["clock"]["deadline_date"] == (await working_days_after(session, today(), 20)).isoformat()
        assert body["actions"] == []  # the applicant waits; only a 补正 notice gives them a step

    async def test_same_idempotency_key_gives_the_same_request(self, client, session):
        w = await world(session)
        headers = auth(w.citizen) | {"Idempotency-Key": "dr-1"}
        first = await client.post(BASE, json=application(w), headers=headers)
        again = await client.post(BASE, json=application(w), headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.headers.get("Idempotent-Replayed") == "true"

    async def test_staff_record_a_letter_with_its_date_of_receipt(self, client, session):
        w = await world(session)
        received = await recent_working_day(session, 3)
        body = await record(client, w, received, channel="post", applicant_type="legal_service")
        assert body["channel"] == "post" and body["received_date"] == received.isoformat()
        assert body["clock"]["deadline_date"] == (await working_days_after(session, received, 20)).isoformat()
        assert body["clock"]["used_working_days"] == 3

    async def test_receipt_date_in_the_future_is_refused(self, client, session):
        w = await world(session)
        r = await client.post(f"{BASE}/recorded", headers=auth(w.handler), json=application(
            w, channel="fax", received_date=(today() + timedelta(days=1)).isoformat()))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_date"

    @pytest.mark.parametrize("who", ["citizen", "other_handler"])
    async def test_only_the_units_handler_records(self, client, session, who):
        w = await world(session)
        r = await client.post(f"{BASE}/recorded", headers=auth(getattr(w, who)), json=application(
            w, channel="in_person", received_date=today().isoformat()))
        assert r.status_code == 403

    async def test_missing_description_is_422(self, client, session):
        w = await world(session)
        r = await client.post(BASE, json=application(w, info_description=""), headers=auth(w.citizen))
        assert r.status_code == 422


class TestScope:
    async def test_other_applicant_gets_404(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        r = await client.get(f"{BASE}/{rid}", headers=auth(w.other_citizen))
        assert r.status_code == 404 and r.json()["code"] == "disclosure_request_not_found"
        assert (await act(client, w.other_citizen, rid, "supplement", {"text": "x"})).status_code == 404

    async def test_handler_of_another_unit_gets_404(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        assert (await client.get(f"{BASE}/{rid}", headers=auth(w.other_handler))).status_code == 404

    async def test_leader_reads_but_may_not_act(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        body = await get(client, w.leader, rid)
        assert body["actions"] == []
        r = await act(client, w.leader, rid, "reply", {"outcome": "disclosed"})
        assert r.status_code == 403

    async def test_lists_show_own_requests_and_the_units_queue(self, client, session):
        w = await world(session)
        mine = (await apply(client, w))["id"]
        theirs = (await apply(client, w, w.other_citizen))["id"]
        own = (await client.get(BASE, headers=auth(w.citizen))).json()["items"]
        assert [i["id"] for i in own] == [mine]
        queue = (await client.get(BASE, headers=auth(w.handler))).json()["items"]
        assert {i["id"] for i in queue} == {mine, theirs}
        assert (await client.get(BASE, headers=auth(w.other_handler))).json()["items"] == []

    async def test_queue_puts_the_nearest_deadline_first(self, client, session):
        w = await world(session)
        fresh = (await apply(client, w))["id"]
        older = (await record(client, w, await recent_working_day(session, 5)))["id"]
        paused = (await apply(client, w))["id"]
        r = await act(client, w.handler, paused, "consult", {"kind": "agency", "party": "市财政局"})
        assert r.status_code == 200
        queue = (await client.get(BASE, headers=auth(w.handler))).json()["items"]
        assert [i["id"] for i in queue] == [older, fresh, paused]


class TestSupplement:
    async def test_correction_restarts_the_20_days(self, client, session):
        w = await world(session)
        received = await recent_working_day(session, 4)
        rid = (await record(client, w, received))["id"]
        due = (today() + timedelta(days=10)).isoformat()
        r = await act(client, w.handler, rid, "supplement-request", {"note": "请写明文件的名称或文号", "due_date": due})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "supplement_requested" and r.json()["clock"]["paused"] is True
        r = await act(client, w.handler, rid, "supplement", {"text": "《2026年公务用车购置预算》"})
        body = r.json()
        assert body["status"] == "received" and body["supplemented_date"] == today().isoformat()
        assert body["clock"]["used_working_days"] == 0
        assert body["clock"]["deadline_date"] == (await working_days_after(session, today(), 20)).isoformat()

    async def test_the_applicant_corrects_their_own_request(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "supplement-request",
                  {"note": "内容不明确", "due_date": (today() + timedelta(days=5)).isoformat()})
        assert (await get(client, w.citizen, rid))["actions"] == ["supplement"]
        r = await act(client, w.citizen, rid, "supplement", {"text": "补充说明"})
        assert r.status_code == 200 and r.json()["status"] == "received"
        titles = (await session.execute(select(Notification.title).where(Notification.user_id == w.citizen.id)))
        assert any("告知补正" in t for t in titles.scalars())

    async def test_only_one_notice(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        due = (today() + timedelta(days=5)).isoformat()
        await act(client, w.handler, rid, "supplement-request", {"note": "一", "due_date": due})
        await act(client, w.citizen, rid, "supplement", {"text": "补正"})
        r = await act(client, w.handler, rid, "supplement-request", {"note": "二", "due_date": due})
        assert r.status_code == 409 and r.json()["code"] == "supplement_not_allowed"

    async def test_notice_after_7_working_days_is_refused(self, client, session):
        w = await world(session)
        rid = (await record(client, w, await recent_working_day(session, 8)))["id"]
        r = await act(client, w.handler, rid, "supplement-request",
                      {"note": "x", "due_date": (today() + timedelta(days=5)).isoformat()})
        assert r.status_code == 409 and r.json()["code"] == "supplement_not_allowed"

    async def test_notice_on_the_7th_working_day_is_allowed(self, client, session):
        w = await world(session)
        rid = (await record(client, w, await recent_working_day(session, 7)))["id"]
        r = await act(client, w.handler, rid, "supplement-request",
                      {"note": "x", "due_date": (today() + timedelta(days=5)).isoformat()})
        assert r.status_code == 200, r.text

    async def test_no_correction_by_the_deadline_closes_as_deemed_withdrawn(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "supplement-request",
                  {"note": "x", "due_date": (today() + timedelta(days=5)).isoformat()})
        r = await act(client, w.handler, rid, "close-no-supplement")
        assert r.status_code == 409 and r.json()["code"] == "deadline_not_passed"
        await set_columns(session, rid, supplement_due_date=today() - timedelta(days=1))
        late = await act(client, w.citizen, rid, "supplement", {"text": "迟到的补正"})
        assert late.status_code == 409 and late.json()["code"] == "deadline_passed"
        body = (await act(client, w.handler, rid, "close-no-supplement")).json()
        assert body["status"] == "closed" and body["outcome"] == "other" and body["reason"] == "no_supplement"
        assert body["clock"]["status"] == "stopped" and "第三十条" in body["legal_basis"]


class TestExtension:
    async def test_once_by_at_most_20_days_with_the_approver(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        too_long = await act(client, w.handler, rid, "extend", {"days": 21, "approver": "王主任", "reason": "x"})
        assert too_long.status_code == 422
        r = await act(client, w.handler, rid, "extend", {"days": 20, "approver": "王主任", "reason": "需调取档案"})
        body = r.json()
        assert body["extension_days"] == 20 and body["extension_approver"] == "王主任"
        assert body["clock"]["deadline_date"] == (await working_days_after(session, today(), 40)).isoformat()
        again = await act(client, w.handler, rid, "extend", {"days": 1, "approver": "王主任", "reason": "x"})
        assert again.status_code == 409 and again.json()["code"] == "already_extended"
        titles = (await session.execute(select(Notification.title).where(Notification.user_id == w.citizen.id)))
        assert any("延长答复期限" in t for t in titles.scalars())


class TestConsultation:
    @pytest.mark.parametrize("kind", ["third_party", "agency"])
    async def test_pauses_the_clock_for_up_to_15_days_and_shows_it(self, client, session, kind):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        body = (await act(client, w.handler, rid, "consult", {"kind": kind, "party": "某公司"})).json()
        assert body["status"] == "consulting" and body["clock"]["status"] == "paused"
        assert body["consult_due_date"] == (await working_days_after(session, today(), 15)).isoformat()
        seen = await get(client, w.citizen, rid)
        assert seen["clock"]["paused"] is True and seen["events"][-1]["action"] == "consult"
        body = (await act(client, w.handler, rid, "end-consultation", {"note": "第三方不同意公开"})).json()
        assert body["status"] == "received" and body["clock"]["paused"] is False


EVERY_REPLY = [(o, r) for o in Outcome for r in (REASONS[o] or (None,)) if r not in CLOSING_REASONS]


class TestReply:
    @pytest.mark.parametrize(("outcome", "reason"), EVERY_REPLY)
    async def test_every_outcome_and_reason(self, client, session, outcome, reason):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        r = await act(client, w.handler, rid, "reply", {"outcome": outcome, "reason": reason})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "replied" and body["outcome"] == outcome and body["reason"] == reason
        assert body["legal_basis"] == LEGAL_BASIS[reason or outcome]
        assert "行政复议" in body["remedy"] and "六个月" in body["remedy"] and "六十日" in body["remedy"]
        assert body["clock"]["status"] == "stopped" and body["finished_date"] == today().isoformat()
        assert body["reply_body"].startswith("张三：")

    @pytest.mark.parametrize(("outcome", "reason"), [
        ("withheld", None), ("disclosed", "state_secret"), ("unavailable", "repeat"),
        ("other", "no_supplement"), ("other", "unpaid")])
    async def test_wrong_or_missing_reason_is_422(self, client, session, outcome, reason):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        r = await act(client, w.handler, rid, "reply", {"outcome": outcome, "reason": reason})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"

    async def test_edited_text_and_basis_are_kept(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        tpl = (await client.get(f"{BASE}/{rid}/reply-template", params={"outcome": "unavailable", "reason": "not_held"},
                                headers=auth(w.handler))).json()
        assert "本机关不掌握相关政府信息" in tpl["body"]
        body = (await act(client, w.handler, rid, "reply", {
            "outcome": "unavailable", "reason": "not_held", "body": tpl["body"] + "\n另告知：请向市财政局申请。",
            "referral": "市财政局，电话 010-12345678"})).json()
        assert body["reply_body"].endswith("请向市财政局申请。") and body["referral"].startswith("市财政局")

    async def test_answered_request_cannot_be_answered_again(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "reply", {"outcome": "disclosed"})
        r = await act(client, w.handler, rid, "reply", {"outcome": "disclosed"})
        assert r.status_code == 409 and r.json()["code"] == "invalid_transition"

    async def test_reply_document_and_disclosed_file_download(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        up = await client.post(f"{BASE}/{rid}/attachments", headers=auth(w.handler),
                               files={"file": ("预算.pdf", b"%PDF-1.4 test\n%%EOF", "application/pdf")})
        assert up.status_code == 201, up.text
        assert (await client.get(f"{BASE}/{rid}/reply.docx", headers=auth(w.citizen))).status_code == 404
        await act(client, w.handler, rid, "reply", {"outcome": "partly_disclosed"})
        doc = await client.get(f"{BASE}/{rid}/reply.docx", headers=auth(w.citizen))
        assert doc.status_code == 200 and doc.headers["content-type"].startswith("application/vnd.openxmlformats")
        text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
        assert "政府信息公开申请答复书" in text and "部分内容不应公开" in text and "行政诉讼" in text
        files = (await get(client, w.citizen, rid))["attachments"]
        assert [f["kind"] for f in files] == ["reply"]
        got = await client.get(f"{BASE}/{rid}/attachments/{files[0]['id']}", headers=auth(w.citizen))
        assert got.status_code == 200 and got.content.startswith(b"%PDF")
        other = await client.get(f"{BASE}/{rid}/reply.docx", headers=auth(w.other_citizen))
        assert other.status_code == 404

    async def test_review_outcome_is_recorded(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "reply", {"outcome": "withheld", "reason": "process_info"})
        body = (await act(client, w.handler, rid, "review", {"kind": "reconsideration", "result": "upheld",
                                                              "decided_date": today().isoformat()})).json()
        assert body["review_kind"] == "reconsideration" and body["review_result"] == "upheld"
        assert body["review_decided_date"] == body["review_filed_date"] == today().isoformat()

    async def test_every_step_leaves_an_event_and_an_audit_record(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "extend", {"days": 5, "approver": "王主任", "reason": "x"})
        await act(client, w.handler, rid, "reply", {"outcome": "disclosed"})
        events = [e["action"] for e in (await get(client, w.citizen, rid))["events"]]
        assert events == ["submit", "extend", "reply"]
        audited = [e.action for e in await audit.entries(session, object_type="disclosure_request", object_id=rid)]
        assert {"disclosure_request.submit", "disclosure_request.extend", "disclosure_request.reply",
                "clock.start", "clock.extend", "clock.stop"} <= set(audited)


class TestOnTheSpot:
    async def test_a_walk_in_answered_on_the_spot_closes_the_same_day(self, client, session):
        w = await world(session)
        rid = (await record(client, w, today(), channel="in_person"))["id"]
        assert "reply_on_the_spot" in (await get(client, w.handler, rid))["actions"]
        r = await act(client, w.handler, rid, "on-the-spot-reply", {"outcome": "disclosed"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "replied" and body["on_the_spot"] is True and body["outcome"] == "disclosed"
        assert body["finished_date"] == body["received_date"] == today().isoformat()
        assert body["clock"]["status"] == "stopped" and body["clock"]["used_working_days"] == 0
        assert body["events"][-1]["action"] == "reply_on_the_spot" and "当场答复" in body["events"][-1]["note"]
        assert "行政复议" in body["remedy"]
        audited = [e.action for e in await audit.entries(session, object_type="disclosure_request", object_id=rid)]
        assert "disclosure_request.reply_on_the_spot" in audited

    async def test_the_reason_rules_are_those_of_any_reply(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        r = await act(client, w.handler, rid, "on-the-spot-reply", {"outcome": "not_processed"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = await act(client, w.handler, rid, "on-the-spot-reply", {"outcome": "not_processed", "reason": "petition"})
        assert r.status_code == 200 and r.json()["reason"] == "petition"

    async def test_not_after_the_day_of_receipt(self, client, session):
        w = await world(session)
        rid = (await record(client, w, await recent_working_day(session, 1), channel="in_person"))["id"]
        assert "reply_on_the_spot" not in (await get(client, w.handler, rid))["actions"]
        r = await act(client, w.handler, rid, "on-the-spot-reply", {"outcome": "disclosed"})
        assert r.status_code == 409 and r.json()["code"] == "on_the_spot_not_allowed"
        assert (await get(client, w.handler, rid))["status"] == "received"

    async def test_not_after_another_step(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "extend", {"days": 5, "approver": "王主任", "reason": "x"})
        r = await act(client, w.handler, rid, "on-the-spot-reply", {"outcome": "disclosed"})
        assert r.status_code == 409 and r.json()["code"] == "on_the_spot_not_allowed"

    async def test_only_the_handler(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        assert (await act(client, w.citizen, rid, "on-the-spot-reply", {"outcome": "disclosed"})).status_code == 403
        assert (await act(client, w.leader, rid, "on-the-spot-reply", {"outcome": "disclosed"})).status_code == 403


PDF = b"%PDF-1.4\n1 0 obj\n%%EOF\n"


async def upload(client, user, name="身份证明.pdf", data=PDF):
    return await client.post(f"{BASE}/uploads", headers=auth(user), files={"file": (name, data, "application/pdf")})


class TestApplicationFiles:
    async def test_files_uploaded_before_submitting_come_with_the_application(self, client, session):
        w = await world(session)
        first, second = (await upload(client, w.citizen)).json(), (await upload(client, w.citizen, "授权书.pdf")).json()
        assert first["kind"] == "application"
        body = await apply(client, w, attachment_ids=[first["id"], second["id"]])
        assert [(a["filename"], a["kind"]) for a in body["attachments"]] == [
            ("身份证明.pdf", "application"), ("授权书.pdf", "application")]
        assert "附材料 2 份" in body["events"][0]["note"]
        got = await client.get(f"{BASE}/{body['id']}/attachments/{first['id']}", headers=auth(w.handler))
        assert got.status_code == 200 and got.content == PDF
        again = await client.post(BASE, json=application(w, attachment_ids=[first["id"]]), headers=auth(w.citizen))
        assert again.status_code == 422 and again.json()["errors"][0]["field"] == "attachment_ids"

    async def test_another_users_upload_cannot_be_claimed(self, client, session):
        w = await world(session)
        theirs = (await upload(client, w.other_citizen)).json()
        r = await client.post(BASE, json=application(w, attachment_ids=[theirs["id"]]), headers=auth(w.citizen))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attachment_ids"
        mine = await client.get(BASE, headers=auth(w.citizen))
        assert mine.json()["items"] == []  # nothing was created

    async def test_staff_attach_the_scanned_letter_when_recording(self, client, session):
        w = await world(session)
        scan = (await upload(client, w.handler, "来信扫描件.pdf")).json()
        body = await record(client, w, today(), channel="post", attachment_ids=[scan["id"]])
        assert [a["filename"] for a in body["attachments"]] == ["来信扫描件.pdf"]

    async def test_wrong_type_is_415(self, client, session):
        w = await world(session)
        r = await upload(client, w.citizen, "x.exe", b"MZ\x90\x00binary")
        assert r.status_code == 415

"""The scheduled steps (api/disclosure_requests/deadlines.py): lapsed 补正 and 收费 deadlines close the request,
an unanswered consultation gives the clock back. Time travel: the job runs with a later `now`."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from api.audit import service as audit
from api.calendar import service as calendar
from api.calendar.workdays import SHANGHAI
from api.disclosure_requests import deadlines
from api.disclosure_requests.models import DisclosureRequest
from api.notifications.models import Notification
from tests.disclosure_requests.helpers import act, apply, get, set_columns, world
from tests.disclosure_requests.test_workflow import today


def on(d: date, hour: int = 10) -> datetime:
    """A time on a Shanghai calendar day."""
    return datetime.combine(d, time(hour), SHANGHAI)


async def notices(session, user_id: int) -> list[str]:
    return list((await session.execute(select(Notification.title).where(
        Notification.user_id == user_id).order_by(Notification.id))).scalars())


class TestLapsedSupplement:
    async def test_closes_as_no_supplement_the_day_after_the_deadline_once(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        due = today() + timedelta(days=5)
        r = await act(client, w.handler, rid, "supplement-request", {"note": "请写明文号", "due_date": due.isoformat()})
        assert r.status_code == 200, r.text
        report = await deadlines.run_due_jobs(session, on(due, 23))
        assert report.closed_no_supplement == 0  # the last day is the applicant's
        assert (await get(client, w.citizen, rid))["status"] == "supplement_requested"
        report = await deadlines.run_due_jobs(session, on(due + timedelta(days=1), 0))
        assert report.closed_no_supplement == 1 and report.closed_unpaid == report.consultations_ended == 0
        body = await get(client, w.citizen, rid)
        assert (body["status"], body["outcome"], body["reason"]) == ("closed", "other", "no_supplement")
        assert body["clock"]["status"] == "stopped" and "第三十条" in body["legal_basis"]
        assert body["finished_date"] == (due + timedelta(days=1)).isoformat()
        last = body["events"][-1]
        assert last["action"] == "close_no_supplement" and last["actor_name"] == "系统"
        assert "补正期限" in last["note"] and body["reply_body"].startswith("张三：")
        assert (await notices(session, w.citizen.id))[-1].endswith("逾期不补正，终止处理")
        again = await deadlines.run_due_jobs(session, on(due + timedelta(days=2)))
        assert again.closed_no_supplement == 0
        audited = [(e.action, e.actor_name) for e in await audit.entries(
            session, object_type="disclosure_request", object_id=rid)]
        assert audited.count(("disclosure_request.close_no_supplement", "系统")) == 1

    async def test_a_corrected_request_is_left_alone(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        due = today() + timedelta(days=5)
        await act(client, w.handler, rid, "supplement-request", {"note": "x", "due_date": due.isoformat()})
        await act(client, w.citizen, rid, "supplement", {"text": "补正内容"})
        assert (await deadlines.run_due_jobs(session, on(due + timedelta(days=3)))).closed_no_supplement == 0
        assert (await get(client, w.citizen, rid))["status"] == "received"


class TestLapsedFee:
    async def test_closes_as_unpaid_after_the_payment_deadline(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        due = today() + timedelta(days=10)
        r = await act(client, w.handler, rid, "fee-notice",
                      {"method": "volume", "pages": 40, "due_date": due.isoformat()})
        assert r.status_code == 200 and r.json()["fee_amount"] == 100
        assert (await deadlines.run_due_jobs(session, on(due, 20))).closed_unpaid == 0
        report = await deadlines.run_due_jobs(session, on(due + timedelta(days=1)))
        assert report.closed_unpaid == 1 and report.closed_no_supplement == 0
        body = await get(client, w.citizen, rid)
        assert (body["status"], body["outcome"], body["reason"]) == ("closed", "other", "unpaid")
        assert body["events"][-1]["action"] == "close_unpaid" and body["events"][-1]["actor_name"] == "系统"
        assert (await notices(session, w.citizen.id))[-1].endswith("逾期未缴费，终止处理")
        assert (await deadlines.run_due_jobs(session, on(due + timedelta(days=2)))).closed_unpaid == 0

    async def test_a_paid_fee_is_left_alone(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        due = today() + timedelta(days=10)
        await act(client, w.handler, rid, "fee-notice",
                  {"method": "volume", "pages": 40, "due_date": due.isoformat()})
        assert (await act(client, w.handler, rid, "payment")).status_code == 200
        assert (await deadlines.run_due_jobs(session, on(due + timedelta(days=5)))).closed_unpaid == 0
        assert (await get(client, w.citizen, rid))["status"] == "received"


class TestConsultationPeriod:
    async def test_unanswered_third_party_gives_the_clock_back_after_15_working_days(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        body = (await act(client, w.handler, rid, "consult", {"kind": "third_party", "party": "某公司"})).json()
        due = date.fromisoformat(body["consult_due_date"])
        assert (await deadlines.run_due_jobs(session, on(due, 22))).consultations_ended == 0
        later = due + timedelta(days=3)
        report = await deadlines.run_due_jobs(session, on(later))
        assert report.consultations_ended == 1
        body = await get(client, w.handler, rid)
        assert body["status"] == "received" and body["outcome"] is None
        assert body["clock"]["paused"] is False
        # The 15 consultation days are not counted; the days after them are (Art. 33).
        expected = (await calendar.add_working_days(session, today(), 20 + 15)).deadline_date
        assert body["clock"]["deadline_date"] == expected.isoformat()
        last = body["events"][-1]
        assert last["action"] == "end_consultation" and last["actor_name"] == "系统"
        assert "第三十二条" in last["note"] and "未提出意见" in last["note"]
        assert "reply" in body["actions"]  # back with the handler, who decides
        assert (await notices(session, w.citizen.id))[-1].endswith("征求意见结束")
        told = await notices(session, w.handler.id)
        assert told[-1].endswith("征求意见期满")
        assert await notices(session, w.other_handler.id) == []  # another unit's handler
        assert (await deadlines.run_due_jobs(session, on(later + timedelta(days=1)))).consultations_ended == 0

    async def test_an_answered_consultation_is_left_alone(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        body = (await act(client, w.handler, rid, "consult", {"kind": "agency", "party": "市财政局"})).json()
        due = date.fromisoformat(body["consult_due_date"])
        await act(client, w.handler, rid, "end-consultation", {"note": "同意公开"})
        await act(client, w.handler, rid, "reply", {"outcome": "disclosed"})
        assert (await deadlines.run_due_jobs(session, on(due + timedelta(days=1)))).consultations_ended == 0
        rows = (await session.execute(select(DisclosureRequest.status).where(DisclosureRequest.id == rid))).scalars()
        assert list(rows) == ["replied"]


class TestThroughTheWorker:
    async def test_the_periodic_due_jobs_close_a_lapsed_request(self, committing_client):
        """The worker's own periodic task (procrastinate's due_jobs on PostgreSQL, the in-process loop on SQLite)
        runs these steps in its own committed transaction."""
        from api import worker
        from api.database import get_sessionmaker

        async with get_sessionmaker()() as s:
            w = await world(s)
        rid = (await apply(committing_client, w))["id"]
        due = today() + timedelta(days=3)
        r = await act(committing_client, w.handler, rid, "supplement-request",
                      {"note": "x", "due_date": due.isoformat()})
        assert r.status_code == 200, r.text
        await worker.due_jobs_once()
        assert (await get(committing_client, w.citizen, rid))["status"] == "supplement_requested"
        async with get_sessionmaker()() as s:  # the deadline passes
            await set_columns(s, rid, supplement_due_date=today() - timedelta(days=1))
        await worker.due_jobs_once()
        body = await get(committing_client, w.citizen, rid)
        assert (body["status"], body["reason"]) == ("closed", "no_supplement")
        await worker.due_jobs_once()
        assert [e["action"] for e in (await get(committing_client, w.citizen, rid))["events"]].count(
            "close_no_supplement") == 1

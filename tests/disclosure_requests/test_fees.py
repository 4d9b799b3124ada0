from datetime import date, timedelta

import pytest

from api.calendar.workdays import local_date
from api.database import utcnow
from api.disclosure_requests import fees
from tests.disclosure_requests.helpers import BASE, act, apply, set_columns, world
from tests.factories import auth


def today() -> date:
    return local_date(utcnow())


class TestByItem:
    @pytest.mark.parametrize(("nth", "fee"), [
        (1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (50, 300), (51, 400), (60, 400),
        (61, 500)])
    def test_every_band_boundary(self, nth, fee):
        assert fees.item_fee(nth) == fee

    def test_month_total_is_progressive(self):
        # 10 free, 20 at ¥100, 10 at ¥200, 2 at ¥300
        assert sum(line.amount for line in fees.item_lines(1, 42)) == 20 * 100 + 10 * 200 + 2 * 300
        assert [(x.first, x.last, x.unit_fee) for x in fees.item_lines(1, 42)] == [
            (1, 10, 0), (11, 30, 100), (31, 40, 200), (41, 42, 300)]

    def test_zeroth_item_is_an_error(self):
        with pytest.raises(ValueError):
            fees.item_fee(0)


class TestByVolume:
    @pytest.mark.parametrize(("pages", "fee"), [
        (0, 0), (1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700)])
    def test_every_band_boundary(self, pages, fee):
        assert fees.page_fee(pages) == fee


class TestCalculator:
    @pytest.mark.parametrize(("params", "amount"), [
        ({"method": "item", "count": 10}, 0), ({"method": "item", "count": 11}, 100),
        ({"method": "item", "count": 31}, 200), ({"method": "volume", "pages": 30}, 0),
        ({"method": "volume", "pages": 31}, 10), ({"method": "volume", "pages": 101}, 720),
        ({"method": "volume", "pages": 201}, 2740)])
    async def test_quotes_without_signing_in(self, client, params, amount):
        r = await client.get(f"{BASE}/fees", params=params)
        assert r.status_code == 200 and r.json()["amount"] == amount

    async def test_pages_breakdown(self, client):
        body = (await client.get(f"{BASE}/fees", params={"method": "volume", "pages": 150})).json()
        assert [(x["first"], x["last"], x["unit_fee"], x["amount"]) for x in body["lines"]] == [
            (1, 30, 0, 0), (31, 100, 10, 700), (101, 150, 20, 1000)]

    @pytest.mark.parametrize("params", [{"method": "item"}, {"method": "volume"}, {"method": "item", "count": 0},
                                        {"method": "weight", "pages": 3}])
    async def test_missing_or_bad_quantity_is_422(self, client, params):
        assert (await client.get(f"{BASE}/fees", params=params)).status_code == 422


class TestFeeNotice:
    async def test_notice_pauses_and_payment_resumes(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        due = (today() + timedelta(days=20)).isoformat()
        r = await act(client, w.handler, rid, "fee-notice", {"method": "volume", "pages": 150, "due_date": due})
        body = r.json()
        assert body["status"] == "fee_notified" and body["fee_amount"] == 1700 and body["clock"]["paused"] is True
        body = (await act(client, w.handler, rid, "payment")).json()
        assert body["status"] == "received" and body["fee_paid_date"] == today().isoformat()
        assert body["clock"]["paused"] is False

    async def test_no_fee_below_the_free_band(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        r = await act(client, w.handler, rid, "fee-notice",
                      {"method": "volume", "pages": 30, "due_date": (today() + timedelta(days=5)).isoformat()})
        assert r.status_code == 409 and r.json()["code"] == "no_fee_due"

    async def test_by_item_counts_the_applicants_month(self, client, session):
        w = await world(session)
        ids = [(await apply(client, w))["id"] for _ in range(11)]
        due = (today() + timedelta(days=5)).isoformat()
        tenth = await act(client, w.handler, ids[9], "fee-notice", {"method": "item", "due_date": due})
        assert tenth.status_code == 409
        body = (await act(client, w.handler, ids[10], "fee-notice", {"method": "item", "due_date": due})).json()
        assert body["fee_quantity"] == 11 and body["fee_amount"] == 100

    async def test_unpaid_by_the_deadline_closes(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        await act(client, w.handler, rid, "fee-notice",
                  {"method": "volume", "pages": 40, "due_date": (today() + timedelta(days=5)).isoformat()})
        early = await act(client, w.handler, rid, "close-unpaid")
        assert early.status_code == 409 and early.json()["code"] == "deadline_not_passed"
        await set_columns(session, rid, fee_due_date=today() - timedelta(days=1))
        body = (await act(client, w.handler, rid, "close-unpaid")).json()
        assert body["status"] == "closed" and body["outcome"] == "other" and body["reason"] == "unpaid"

    async def test_citizen_cannot_send_a_fee_notice(self, client, session):
        w = await world(session)
        rid = (await apply(client, w))["id"]
        r = await client.post(f"{BASE}/{rid}/fee-notice", headers=auth(w.citizen), json={
            "method": "volume", "pages": 40, "due_date": (today() + timedelta(days=5)).isoformat()})
        assert r.status_code == 403

from api.auth.models import Role
from tests.factories import auth, create_org_unit, create_user


class TestGetYear:
    async def test_lists_holidays_and_make_up_days(self, client):
        r = await client.get("/api/v1/calendar/2026")
        assert r.status_code == 200
        body = r.json()
        assert body["known"] is True
        days = {d["date"]: (d["kind"], d["name"]) for d in body["days"]}
        assert days["2026-02-17"] == ("holiday", "春节")
        assert days["2026-02-28"] == ("workday", "春节")

    async def test_unknown_year_is_marked(self, client):
        body = (await client.get("/api/v1/calendar/2031")).json()
        assert body == {"year": 2031, "known": False, "source": None, "days": []}


class TestWorkingDays:
    async def test_deadline_across_national_day(self, client):
        r = await client.get("/api/v1/calendar/working-days", params={"start": "2026-09-30", "days": 3})
        assert r.status_code == 200
        assert r.json()["deadline_date"] == "2026-10-10"
        assert r.json()["provisional"] is False

    async def test_bad_input_is_422_problem(self, client):
        r = await client.get("/api/v1/calendar/working-days", params={"start": "not-a-date", "days": -1})
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        assert {e["field"] for e in r.json()["errors"]} == {"start", "days"}


class TestSetYear:
    async def test_admin_entered_year_is_honoured(self, client, session):
        root = await create_org_unit(session)
        admin = await create_user(session, root, [Role.admin])
        schedule = {
            "holidays": [{"date": "2031-01-01", "name": "元旦"}, {"date": "2031-01-02", "name": "元旦"}],
            "workdays": [{"date": "2031-01-04", "name": "元旦"}],
            "note": "国办发明电〔2030〕X号",
        }
        r = await client.put("/api/v1/calendar/2031", json=schedule, headers=auth(admin))
        assert r.status_code == 204
        r = await client.get("/api/v1/calendar/working-days", params={"start": "2030-12-31", "days": 1})
        assert r.json()["deadline_date"] == "2031-01-03"
        r = await client.get("/api/v1/calendar/working-days", params={"start": "2031-01-03", "days": 1})
        assert r.json()["provisional"] is False
        assert r.json()["deadline_date"] == "2031-01-04"  # the make-up Saturday
        audit = (await client.get("/api/v1/calendar/2031")).json()
        assert audit["known"] is True and audit["source"] == "admin"

    async def test_make_up_day_on_a_weekday_is_rejected(self, client, session):
        root = await create_org_unit(session)
        admin = await create_user(session, root, [Role.admin])
        r = await client.put("/api/v1/calendar/2031", headers=auth(admin),
                             json={"holidays": [], "workdays": [{"date": "2031-01-06", "name": "x"}]})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "workdays.0.date"

    async def test_non_admin_is_forbidden(self, client, session):
        unit = await create_org_unit(session)
        handler = await create_user(session, unit, [Role.handler])
        r = await client.put("/api/v1/calendar/2031", headers=auth(handler), json={"holidays": []})
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden"


class TestDayOverride:
    async def test_override_and_clear_a_day_is_audited(self, client, session):
        from api.audit import service as audit

        root = await create_org_unit(session)
        admin = await create_user(session, root, [Role.admin])
        r = await client.put("/api/v1/calendar/days/2026-12-07", headers=auth(admin),
                             json={"kind": "holiday", "name": "防汛应急停工"})
        assert r.status_code == 200
        r = await client.get("/api/v1/calendar/working-days", params={"start": "2026-12-04", "days": 1})
        assert r.json()["deadline_date"] == "2026-12-08"
        assert (await client.delete("/api/v1/calendar/days/2026-12-07", headers=auth(admin))).status_code == 204
        r = await client.get("/api/v1/calendar/working-days", params={"start": "2026-12-04", "days": 1})
        assert r.json()["deadline_date"] == "2026-12-07"
        actions = [r.action for r in await audit.entries(session, object_type="calendar_day")]
        assert actions == ["calendar.set_day", "calendar.clear_day"]

import pytest

from tests.applications.helpers import accepted, act, upload
from tests.factories import auth

READS = ["", "/attachments/{att}", "/rating"]
WRITES = [("accept", {}), ("not-accept", {"reason": "不予受理"}), ("supplement-request", {"items": ["x"]}),
          ("supplement", {}), ("start", {}), ("decisions", {"decision": "approve"}), ("withdraw", {}),
          ("claim", {}), ("assign", {"user_id": 1}), ("rating", {"score": 5})]


@pytest.fixture
async def case(client, world):
    att = (await upload(client, world.citizen)).json()
    app = (await client.post("/api/v1/applications", headers=auth(world.citizen),
                             json={"service_code": "TEST", "data": {"applicant_name": "张三", "phone": "13800138000",
                                                                    "kind": "长期", "docs": [att["id"]]}})).json()
    return app, att


class TestOtherUsersGet404:
    @pytest.mark.parametrize("path", READS)
    async def test_reads(self, client, world, case, path):
        app, att = case
        url = f"/api/v1/applications/{app['id']}" + path.format(att=att["id"])
        assert (await client.get(url, headers=auth(world.citizen))).status_code == 200
        for user in (world.stranger, world.unrelated_handler):
            r = await client.get(url, headers=auth(user))
            assert r.status_code == 404, (user.username, url)

    @pytest.mark.parametrize(("action", "body"), WRITES)
    async def test_writes(self, client, world, case, action, body):
        app, _ = case
        for user in (world.stranger, world.unrelated_handler):
            r = await act(client, user, app["id"], action, body)
            assert r.status_code == 404, (user.username, action, r.text)

    async def test_tracking_no_page(self, client, world, case):
        app, _ = case
        url = f"/api/v1/applications/by-tracking-no/{app['tracking_no']}"
        assert (await client.get(url, headers=auth(world.citizen))).json()["id"] == app["id"]
        assert (await client.get(url, headers=auth(world.stranger))).status_code == 404

    async def test_lists_hold_only_what_one_may_see(self, client, world, case):
        app, _ = case
        mine = (await client.get("/api/v1/applications", headers=auth(world.citizen))).json()["items"]
        assert [a["id"] for a in mine] == [app["id"]]
        assert (await client.get("/api/v1/applications", headers=auth(world.stranger))).json()["items"] == []
        theirs = (await client.get("/api/v1/applications", headers=auth(world.other_handler))).json()["items"]
        assert [a["id"] for a in theirs] == [app["id"]]  # a co-approving department sees the case
        leader = (await client.get("/api/v1/applications", headers=auth(world.leader))).json()["items"]
        assert [a["id"] for a in leader] == [app["id"]]


class TestQueue:
    async def test_sorted_by_urgency(self, client, session, world):
        from sqlalchemy import select

        from api.calendar.models import DeadlineClock

        first = await accepted(client, world)
        second = await accepted(client, world)
        waiting = (await client.post("/api/v1/applications", headers=auth(world.citizen), json={
            "service_code": "TEST", "data": {"applicant_name": "李四", "phone": "13800138001", "kind": "临时"}})).json()
        clock = (await session.execute(select(DeadlineClock).where(
            DeadlineClock.case_id == second["id"], DeadlineClock.case_type == "application"))).scalar_one()
        clock.deadline_at = clock.deadline_at.replace(year=clock.deadline_at.year - 1)
        await session.flush()
        r = await client.get("/api/v1/applications/queue", headers=auth(world.handler))
        assert [a["id"] for a in r.json()["items"]] == [second["id"], first["id"], waiting["id"]]

    async def test_co_approver_sees_cases_awaiting_its_decision(self, client, world):
        app = await accepted(client, world)
        r = await client.get("/api/v1/applications/queue", headers=auth(world.other_handler))
        assert [a["id"] for a in r.json()["items"]] == [app["id"]]

    async def test_citizen_is_403(self, client, world):
        r = await client.get("/api/v1/applications/queue", headers=auth(world.citizen))
        assert r.status_code == 403


class TestOverdue:
    async def test_leader_sees_overdue_cases_of_the_unit(self, client, session, world):
        from sqlalchemy import select

        from api.calendar.models import DeadlineClock

        app = await accepted(client, world)
        await accepted(client, world)
        clock = (await session.execute(select(DeadlineClock).where(
            DeadlineClock.case_id == app["id"], DeadlineClock.case_type == "application"))).scalar_one()
        clock.deadline_at = clock.deadline_at.replace(year=clock.deadline_at.year - 1)
        await session.flush()
        r = await client.get("/api/v1/applications/overdue", headers=auth(world.leader))
        assert [a["id"] for a in r.json()["items"]] == [app["id"]]
        assert r.json()["items"][0]["deadline"]["status"] in ("overdue", "very_overdue")

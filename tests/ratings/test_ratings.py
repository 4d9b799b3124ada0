from sqlalchemy import select

from api.calendar.models import DeadlineClock
from tests.applications.helpers import accepted, act, completed
from tests.factories import auth


async def rate(client, user, app_id, score=5, **kw):
    return await client.post(f"/api/v1/applications/{app_id}/rating", json={"score": score, **kw},
                             headers=auth(user))


class TestRate:
    async def test_once_after_completion(self, client, world):
        app = await completed(client, world)
        r = await rate(client, world.citizen, app["id"], 5, tags=["办事高效"], comment="很快")
        assert r.status_code == 201
        assert r.json()["score_label"] == "非常满意"
        assert r.json()["rectification_id"] is None
        r = await rate(client, world.citizen, app["id"], 4)
        assert r.status_code == 409
        assert r.json()["code"] == "already_rated"

    async def test_before_completion_is_409(self, client, world):
        app = await accepted(client, world)
        assert (await rate(client, world.citizen, app["id"])).status_code == 409

    async def test_after_refusal_is_allowed(self, client, world):
        app = await accepted(client, world)
        await act(client, world.other_handler, app["id"], "decisions", {"decision": "refuse", "note": "不符合条件"})
        assert (await rate(client, world.citizen, app["id"], 3)).status_code == 201

    async def test_only_the_applicant(self, client, world):
        app = await completed(client, world)
        assert (await rate(client, world.handler, app["id"])).status_code == 403
        assert (await rate(client, world.stranger, app["id"])).status_code == 404

    async def test_score_out_of_range_is_422(self, client, world):
        app = await completed(client, world)
        assert (await rate(client, world.citizen, app["id"], 6)).status_code == 422
        assert (await rate(client, world.citizen, app["id"], 5, tags=["随便写"])).status_code == 422

    async def test_read_back(self, client, world):
        app = await completed(client, world)
        url = f"/api/v1/applications/{app['id']}/rating"
        assert (await client.get(url, headers=auth(world.citizen))).json() is None
        await rate(client, world.citizen, app["id"], 4)
        assert (await client.get(url, headers=auth(world.handler))).json()["score"] == 4


class TestRectification:
    async def test_bad_rating_opens_a_15_working_day_task(self, client, session, world):
        app = await completed(client, world)
        r = await rate(client, world.citizen, app["id"], 2, tags=["多次跑腿"])
        rect_id = r.json()["rectification_id"]
        assert rect_id is not None
        r = await client.get(f"/api/v1/rectifications/{rect_id}", headers=auth(world.handler))
        assert r.json()["status"] == "open"
        assert r.json()["clock"]["period_days"] == 15
        clock = (await session.execute(select(DeadlineClock).where(DeadlineClock.case_type == "rectification",
                                                                   DeadlineClock.case_id == rect_id))).scalar_one()
        assert clock.status == "running"

    async def test_the_assignee_is_told_with_a_link_to_the_task(self, client, world):
        app = await accepted(client, world)
        assert (await act(client, world.handler, app["id"], "claim")).status_code == 200
        await act(client, world.handler, app["id"], "decisions", {"decision": "approve"})
        await act(client, world.other_handler, app["id"], "decisions", {"decision": "approve", "note": "同意"})
        rect_id = (await rate(client, world.citizen, app["id"], 1)).json()["rectification_id"]
        items = (await client.get("/api/v1/notifications", headers=auth(world.handler))).json()["items"]
        assert [n["link"] for n in items if n["title"] == "差评整改任务"] == [f"/workspace/rectifications/{rect_id}"]

    async def test_close_requires_a_follow_up(self, client, world):
        app = await completed(client, world)
        rect_id = (await rate(client, world.citizen, app["id"], 1)).json()["rectification_id"]
        base = f"/api/v1/rectifications/{rect_id}"
        r = await client.post(f"{base}/close", json={"measures": "加强培训"}, headers=auth(world.handler))
        assert r.status_code == 409
        r = await client.post(f"{base}/follow-ups", json={"method": "phone", "note": "已电话回访，申请人表示理解"},
                              headers=auth(world.handler))
        assert r.json()["status"] == "followed_up"
        r = await client.post(f"{base}/close", json={"measures": "优化材料清单"}, headers=auth(world.handler))
        assert r.json()["status"] == "closed"
        assert r.json()["clock"]["status"] == "stopped"

    async def test_other_department_cannot_see_it(self, client, world):
        app = await completed(client, world)
        rect_id = (await rate(client, world.citizen, app["id"], 1)).json()["rectification_id"]
        r = await client.get(f"/api/v1/rectifications/{rect_id}", headers=auth(world.unrelated_handler))
        assert r.status_code == 404

    async def test_good_rating_opens_none(self, client, world):
        app = await completed(client, world)
        assert (await rate(client, world.citizen, app["id"], 3)).json()["rectification_id"] is None


class TestAppeal:
    async def test_upheld_appeal_excludes_the_rating_and_cancels_the_task(self, client, world):
        app = await completed(client, world)
        rating = (await rate(client, world.citizen, app["id"], 1, comment="恶意")).json()
        r = await client.post(f"/api/v1/ratings/{rating['id']}/appeal", json={"reason": "与办件无关的恶意评价"},
                              headers=auth(world.handler))
        assert r.json()["appeal_status"] == "pending"
        pending = (await client.get("/api/v1/ratings/appeals", headers=auth(world.admin))).json()["items"]
        assert [p["id"] for p in pending] == [rating["id"]]
        r = await client.post(f"/api/v1/ratings/{rating['id']}/appeal-decision", json={"upheld": True, "note": "属实"},
                              headers=auth(world.admin))
        assert r.json()["excluded"] is True
        rect = (await client.get(f"/api/v1/rectifications/{rating['rectification_id']}",
                                 headers=auth(world.handler))).json()
        assert rect["status"] == "cancelled"
        stats = (await client.get("/api/v1/applications/statistics", headers=auth(world.leader))).json()
        assert stats["totals"]["ratings"] == 0

    async def test_handler_cannot_decide(self, client, world):
        app = await completed(client, world)
        rating = (await rate(client, world.citizen, app["id"], 1)).json()
        await client.post(f"/api/v1/ratings/{rating['id']}/appeal", json={"reason": "恶意评价理由"},
                          headers=auth(world.handler))
        r = await client.post(f"/api/v1/ratings/{rating['id']}/appeal-decision", json={"upheld": True, "note": "x1"},
                              headers=auth(world.handler))
        assert r.status_code == 403

    async def test_appeal_twice_is_409(self, client, world):
        app = await completed(client, world)
        rating = (await rate(client, world.citizen, app["id"], 1)).json()
        url = f"/api/v1/ratings/{rating['id']}/appeal"
        await client.post(url, json={"reason": "恶意评价理由"}, headers=auth(world.handler))
        r = await client.post(url, json={"reason": "恶意评价理由"}, headers=auth(world.handler))
        assert r.status_code == 409


class TestStatistics:
    async def test_counts_rates_and_satisfaction(self, client, world):
        done = await completed(client, world)
        await accepted(client, world)
        await rate(client, world.citizen, done["id"], 5)
        r = await client.get("/api/v1/applications/statistics", headers=auth(world.leader))
        assert r.status_code == 200
        t = r.json()["totals"]
        assert t["total"] == 2
        assert t["by_status"]["completed"] == 1 and t["by_status"]["accepted"] == 1
        assert t["on_time_rate"] == 1.0
        assert t["satisfaction_rate"] == 1.0
        assert [s["key"] for s in r.json()["by_service"]] == ["TEST"]
        assert r.json()["by_unit"][0]["name"] == "车辆管理中心"

    async def test_citizen_is_403(self, client, world):
        assert (await client.get("/api/v1/applications/statistics", headers=auth(world.citizen))).status_code == 403

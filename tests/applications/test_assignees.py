from api.auth.models import Role
from tests.applications.helpers import accepted, act, submitted
from tests.factories import auth, create_user


async def assignees(client, user, app_id: int):
    return await client.get(f"/api/v1/applications/{app_id}/assignees", headers=auth(user))


class TestAssignees:
    async def test_active_handlers_of_the_owner_unit_and_above_least_loaded_first(self, client, session, world):
        chief = await create_user(session, world.root, [Role.handler], display_name="局经办人")
        await create_user(session, world.owner, [Role.handler], is_active=False)
        done = await accepted(client, world)
        assert (await act(client, world.handler, done["id"], "claim")).status_code == 200
        assert (await act(client, world.handler, done["id"], "decisions", {"decision": "approve"})).status_code == 200
        r = await act(client, world.other_handler, done["id"], "decisions", {"decision": "approve"})
        assert r.json()["status"] == "completed"  # closed: no longer counts as held
        mine = await submitted(client, world.citizen)
        assert (await act(client, world.handler, mine["id"], "claim")).status_code == 200
        for _ in range(2):
            app = await submitted(client, world.citizen)
            r = await act(client, world.handler, app["id"], "assign", {"user_id": world.handler_b.id})
            assert r.status_code == 200, r.text
        app = await submitted(client, world.citizen)
        r = await assignees(client, world.handler, app["id"])
        assert r.status_code == 200, r.text
        assert [(a["id"], a["open_applications"]) for a in r.json()] == [
            (chief.id, 0), (world.handler.id, 1), (world.handler_b.id, 2)]
        assert r.json()[0] == {"id": chief.id, "display_name": "局经办人", "open_applications": 0,
                               "org_unit": {"id": world.root.id, "name": "测试局"}, "is_assignee": False}
        assert {a["org_unit"]["name"] for a in r.json()[1:]} == {"车辆管理中心"}

    async def test_equal_workloads_are_sorted_by_name(self, client, session, world):
        for name in ("经办B", "经办A", "经办C"):
            await create_user(session, world.owner, [Role.handler], display_name=name)
        app = await submitted(client, world.citizen)
        names = [a["display_name"] for a in (await assignees(client, world.handler, app["id"])).json()]
        assert [n for n in names if n.startswith("经办")] == ["经办A", "经办B", "经办C"]

    async def test_the_current_assignee_is_marked(self, client, world):
        app = await submitted(client, world.citizen)
        await act(client, world.handler, app["id"], "assign", {"user_id": world.handler_b.id})
        r = await assignees(client, world.handler, app["id"])
        assert {a["id"]: a["is_assignee"] for a in r.json()} == {world.handler.id: False, world.handler_b.id: True}

    async def test_co_approving_department_handler_is_403(self, client, world):
        app = await submitted(client, world.citizen)
        r = await assignees(client, world.other_handler, app["id"])
        assert r.status_code == 403
        assert r.json()["code"] == "not_handler"

    async def test_leader_is_403(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await assignees(client, world.leader, app["id"])).status_code == 403

    async def test_applicant_is_403(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await assignees(client, world.citizen, app["id"])).status_code == 403

    async def test_other_citizen_gets_404(self, client, world):
        app = await submitted(client, world.citizen)
        r = await assignees(client, world.stranger, app["id"])
        assert r.status_code == 404
        assert r.json()["code"] == "not_found"

    async def test_unrelated_handler_gets_404(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await assignees(client, world.unrelated_handler, app["id"])).status_code == 404

    async def test_anonymous_is_401(self, client, world):
        app = await submitted(client, world.citizen)
        assert (await client.get(f"/api/v1/applications/{app['id']}/assignees")).status_code == 401


class TestAssignFromTheList:
    async def test_someone_on_the_list_can_be_assigned(self, client, session, world):
        await create_user(session, world.root, [Role.handler], display_name="局经办人")
        app = await submitted(client, world.citizen)
        listed = (await assignees(client, world.handler, app["id"])).json()
        chief = next(a for a in listed if a["display_name"] == "局经办人")
        r = await act(client, world.handler, app["id"], "assign", {"user_id": chief["id"]})
        assert r.status_code == 200, r.text
        assert r.json()["assignee_name"] == "局经办人"
        assert r.json()["events"][-1]["note"] == "分派给 局经办人"
        listed = (await assignees(client, world.handler, app["id"])).json()
        row = next(a for a in listed if a["id"] == chief["id"])
        assert (row["open_applications"], row["is_assignee"]) == (1, True)

    async def test_someone_off_the_list_is_422(self, client, session, world):
        gone = await create_user(session, world.owner, [Role.handler], is_active=False)
        app = await submitted(client, world.citizen)
        listed = {a["id"] for a in (await assignees(client, world.handler, app["id"])).json()}
        for user_id in (gone.id, world.other_handler.id, world.leader.id, world.citizen.id, 999_999):
            assert user_id not in listed
            r = await act(client, world.handler, app["id"], "assign", {"user_id": user_id})
            assert r.status_code == 422, (user_id, r.text)
            assert [e["field"] for e in r.json()["errors"]] == ["user_id"]

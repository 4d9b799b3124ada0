"""ApplicationRead.actions: what the caller may do now, by the rules the action endpoints check."""

from tests.applications.helpers import act, submitted
from tests.factories import auth


async def _actions(client, user, app_id: int) -> list[str]:
    r = await client.get(f"/api/v1/applications/{app_id}", headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()["actions"]


async def test_actions_follow_the_case_and_the_caller(client, world):
    app = await submitted(client, world.citizen)
    assert app["actions"] == ["withdraw"]  # the submission's own response, for the applicant
    owner = ["claim", "assign", "accept", "not-accept", "supplement-request"]
    assert await _actions(client, world.handler, app["id"]) == owner
    assert await _actions(client, world.other_handler, app["id"]) == []  # a co-approving department, not yet
    assert await _actions(client, world.leader, app["id"]) == []  # leaders read

    assert (await act(client, world.handler, app["id"], "accept")).status_code == 200
    assert await _actions(client, world.handler, app["id"]) == [
        "claim", "assign", "supplement-request", "start", "decisions"]
    assert await _actions(client, world.other_handler, app["id"]) == ["decisions"]

    assert (await act(client, world.handler, app["id"], "claim")).status_code == 200
    assert "claim" not in await _actions(client, world.handler_b, app["id"])
    assert (await act(client, world.handler, app["id"], "decisions", {"decision": "approve"})).status_code == 200
    assert "decisions" not in await _actions(client, world.handler, app["id"])  # its department has decided
    assert await _actions(client, world.other_handler, app["id"]) == ["decisions"]

    r = await act(client, world.other_handler, app["id"], "decisions", {"decision": "approve"})
    assert r.json()["status"] == "completed"
    for user in (world.citizen, world.handler, world.other_handler):
        assert await _actions(client, user, app["id"]) == []


async def test_the_applicant_is_offered_the_supplement(client, world):
    app = await submitted(client, world.citizen)
    await act(client, world.handler, app["id"], "accept")
    r = await act(client, world.handler, app["id"], "supplement-request", {"items": ["身份证复印件"]})
    assert r.status_code == 200, r.text
    assert await _actions(client, world.citizen, app["id"]) == ["withdraw", "supplement"]


async def test_list_rows_offer_claim_and_assign_only_to_the_owner_department(client, world):
    app = await submitted(client, world.citizen)
    await act(client, world.handler, app["id"], "accept")

    async def row(user) -> dict:
        r = await client.get("/api/v1/applications/queue", headers=auth(user))
        assert r.status_code == 200, r.text
        return next(i for i in r.json()["items"] if i["id"] == app["id"])

    assert (await row(world.handler))["actions"] == ["claim", "assign"]
    assert (await row(world.other_handler))["actions"] == []  # in its queue for the decision, nothing more
    await act(client, world.handler, app["id"], "claim")
    assert (await row(world.handler_b))["actions"] == ["assign"]
    mine = (await client.get("/api/v1/applications", headers=auth(world.citizen))).json()["items"]
    assert next(i for i in mine if i["id"] == app["id"])["actions"] == []

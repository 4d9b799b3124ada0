"""The in-app inbox: what case steps write and what its owner may do with it."""

from sqlalchemy import select

from api.notifications.models import Notification
from tests.applications.helpers import completed, submitted
from tests.factories import auth


class TestNotifications:
    async def test_each_status_change_reaches_the_inbox(self, client, world):
        await completed(client, world)
        r = await client.get("/api/v1/notifications", headers=auth(world.citizen))
        titles = [n["title"] for n in r.json()["items"]]
        assert len(titles) == 4  # submitted, accepted, in progress, completed; newest first
        assert "已办结" in titles[0]
        assert r.json()["items"][0]["link"].startswith("/my/applications/")  # the SPA's route
        count = (await client.get("/api/v1/notifications/unread-count", headers=auth(world.citizen))).json()
        assert count == {"unread": 4}
        first = r.json()["items"][0]["id"]
        r = await client.post(f"/api/v1/notifications/{first}/read", headers=auth(world.citizen))
        assert r.status_code == 200
        r = await client.get("/api/v1/notifications", params={"unread": True}, headers=auth(world.citizen))
        assert len(r.json()["items"]) == 3
        await client.post("/api/v1/notifications/read-all", headers=auth(world.citizen))
        count = (await client.get("/api/v1/notifications/unread-count", headers=auth(world.citizen))).json()
        assert count == {"unread": 0}

    async def test_someone_elses_notification_is_404(self, client, world):
        await submitted(client, world.citizen)
        nid = (await client.get("/api/v1/notifications", headers=auth(world.citizen))).json()["items"][0]["id"]
        r = await client.post(f"/api/v1/notifications/{nid}/read", headers=auth(world.stranger))
        assert r.status_code == 404

    async def test_a_step_that_keeps_the_state_notifies_nobody(self, client, session, world):
        app = await submitted(client, world.citizen)
        r = await client.post(f"/api/v1/applications/{app['id']}/claim", json={}, headers=auth(world.handler))
        assert r.status_code == 200
        rows = (await session.execute(select(Notification).where(Notification.object_id == app["id"],
                                                                  Notification.object_type == "application"))).scalars()
        assert [n.kind for n in rows] == ["application_status"]  # the submission's only

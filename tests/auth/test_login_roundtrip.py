from api.auth.models import Role
from tests.factories import PASSWORD, create_org_unit, create_user


class TestLoginRoundTrip:
    async def test_staff_login_then_me_shows_roles(self, client, session):
        unit = await create_org_unit(session)
        user = await create_user(session, unit, [Role.editor, Role.reviewer], username="roundtrip")
        session.expunge_all()  # load the user as a request would: enum columns come back as plain strings
        r = await client.post("/api/v1/auth/token", data={"username": "roundtrip", "password": PASSWORD})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["id"] == user.id
        assert sorted(g["role"] for g in me.json()["roles"]) == ["editor", "reviewer"]


class TestChangePassword:
    async def test_other_sessions_end_and_this_one_continues(self, client, session):
        unit = await create_org_unit(session)
        await create_user(session, unit, username="changer")
        form = {"username": "changer", "password": PASSWORD}
        first = (await client.post("/api/v1/auth/token", data=form)).json()
        second = (await client.post("/api/v1/auth/token", data=form)).json()
        r = await client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {first['access_token']}"},
                              json={"current_password": PASSWORD, "new_password": "N3w#Secret2026"})
        assert r.status_code == 200
        fresh = r.json()
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
        assert me.status_code == 200
        old = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
        assert old.status_code == 401
        replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert replay.status_code == 401

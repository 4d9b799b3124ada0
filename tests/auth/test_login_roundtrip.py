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

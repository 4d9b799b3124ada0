"""Role grants belong to the security admin; 三员分立 keeps admin, security admin and auditor apart."""

import pytest

from api.auth.models import Role
from tests.factories import auth, create_org_unit, create_user

GRANTS = "/api/v1/admin/role-grants"


@pytest.fixture
async def world(session):
    agency = await create_org_unit(session, "测试局")
    dept = await create_org_unit(session, "甲处", parent=agency)
    other = await create_org_unit(session, "乙处", parent=agency)
    return {
        "agency": agency, "dept": dept, "other": other,
        "security": await create_user(session, dept, roles=[Role.security_admin]),
        "admin": await create_user(session, dept, roles=[Role.admin]),
        "staff": await create_user(session, dept),
        "outsider": await create_user(session, other),
    }


def grant(user, role: str, unit) -> dict:
    return {"user_id": user.id, "role": role, "org_unit_id": unit.id}


class TestCreateRoleGrant:
    async def test_security_admin_grants_a_role(self, client, world):
        r = await client.post(GRANTS, json=grant(world["staff"], "editor", world["dept"]),
                              headers=auth(world["security"]))
        assert r.status_code == 201, r.text
        assert r.json()["role"] == "editor"
        me = await client.get("/api/v1/auth/me", headers=auth(world["staff"]))
        assert [g["role"] for g in me.json()["roles"]] == ["editor"]

    async def test_cannot_grant_to_oneself(self, client, world):
        r = await client.post(GRANTS, json=grant(world["security"], "editor", world["dept"]),
                              headers=auth(world["security"]))
        assert r.status_code == 403

    async def test_auditor_for_an_admin_is_409(self, client, world):
        r = await client.post(GRANTS, json=grant(world["admin"], "auditor", world["dept"]),
                              headers=auth(world["security"]))
        assert r.status_code == 409
        assert r.json()["code"] == "conflict"

    async def test_admin_cannot_grant_roles(self, client, world):
        r = await client.post(GRANTS, json=grant(world["staff"], "editor", world["dept"]),
                              headers=auth(world["admin"]))
        assert r.status_code == 403

    async def test_user_outside_scope_is_404(self, client, world):
        r = await client.post(GRANTS, json=grant(world["outsider"], "editor", world["other"]),
                              headers=auth(world["security"]))
        assert r.status_code == 404

    async def test_unit_outside_scope_is_403(self, client, world):
        r = await client.post(GRANTS, json=grant(world["staff"], "editor", world["other"]),
                              headers=auth(world["security"]))
        assert r.status_code == 403

    async def test_same_grant_twice_is_409(self, client, world):
        body = grant(world["staff"], "editor", world["dept"])
        assert (await client.post(GRANTS, json=body, headers=auth(world["security"]))).status_code == 201
        r = await client.post(GRANTS, json=body, headers=auth(world["security"]))
        assert r.status_code == 409

    async def test_unknown_role_is_422(self, client, world):
        r = await client.post(GRANTS, json=grant(world["staff"], "emperor", world["dept"]),
                              headers=auth(world["security"]))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "role"


class TestListRoleGrants:
    async def test_lists_grants_in_scope(self, client, world):
        r = await client.get(GRANTS, headers=auth(world["security"]))
        assert r.status_code == 200
        assert {g["user_id"] for g in r.json()} == {world["security"].id, world["admin"].id}


class TestDeleteRoleGrant:
    async def test_revokes_a_grant(self, client, world):
        created = await client.post(GRANTS, json=grant(world["staff"], "editor", world["dept"]),
                                    headers=auth(world["security"]))
        r = await client.delete(f"{GRANTS}/{created.json()['id']}", headers=auth(world["security"]))
        assert r.status_code == 204
        me = await client.get("/api/v1/auth/me", headers=auth(world["staff"]))
        assert me.json()["roles"] == []

"""三员分立: accounts of admin, security admin and auditor are managed only by a security admin, nobody manages
their own account, and each of the three roles keeps at least one active holder."""

import pytest

from api.auth.models import Role
from tests.factories import PASSWORD, auth, create_org_unit, create_user

USERS = "/api/v1/admin/users"
GRANTS = "/api/v1/admin/role-grants"
NEW_PASSWORD = "Chongzhi#2026"


@pytest.fixture
async def world(session):
    agency = await create_org_unit(session, "测试局")
    dept = await create_org_unit(session, "甲处", parent=agency)
    return {
        "agency": agency, "dept": dept,
        "admin": await create_user(session, agency, roles=[Role.admin]),
        "security": await create_user(session, agency, roles=[Role.security_admin]),
        "auditor": await create_user(session, agency, roles=[Role.auditor]),
        "staff": await create_user(session, dept),
    }


def assert_problem(r, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"])


class TestAdminCannotManageTheThreeRoles:
    async def test_admin_cannot_reset_the_auditors_password(self, client, world):
        r = await client.post(f"{USERS}/{world['auditor'].id}/reset-password", json={"new_password": NEW_PASSWORD},
                              headers=auth(world["admin"]))
        assert_problem(r, 403, "separated_role_account")
        login = await client.post("/api/v1/auth/token",
                                  data={"username": world["auditor"].username, "password": NEW_PASSWORD})
        assert login.status_code == 401

    async def test_admin_cannot_deactivate_the_security_admin(self, client, world):
        r = await client.post(f"{USERS}/{world['security'].id}/deactivate", headers=auth(world["admin"]))
        assert_problem(r, 403, "separated_role_account")
        assert (await client.get("/api/v1/auth/me", headers=auth(world["security"]))).status_code == 200

    async def test_admin_cannot_rename_the_auditor(self, client, world):
        r = await client.patch(f"{USERS}/{world['auditor'].id}", json={"display_name": "改名"},
                               headers=auth(world["admin"]))
        assert_problem(r, 403, "separated_role_account")

    async def test_admin_cannot_manage_another_admin(self, client, session, world):
        other_admin = await create_user(session, world["agency"], roles=[Role.admin])
        r = await client.post(f"{USERS}/{other_admin.id}/deactivate", headers=auth(world["admin"]))
        assert_problem(r, 403, "separated_role_account")

    async def test_admin_still_manages_ordinary_staff(self, client, world):
        r = await client.post(f"{USERS}/{world['staff'].id}/reset-password", json={"new_password": NEW_PASSWORD},
                              headers=auth(world["admin"]))
        assert r.status_code == 204


class TestSecurityAdminManagesThem:
    async def test_security_admin_resets_the_auditors_password(self, client, world):
        r = await client.post(f"{USERS}/{world['auditor'].id}/reset-password", json={"new_password": NEW_PASSWORD},
                              headers=auth(world["security"]))
        assert r.status_code == 204, r.text

    async def test_security_admin_deactivates_an_admin_when_another_remains(self, client, session, world):
        await create_user(session, world["agency"], roles=[Role.admin])
        r = await client.post(f"{USERS}/{world['admin'].id}/deactivate", headers=auth(world["security"]))
        assert r.status_code == 200, r.text
        assert r.json()["is_active"] is False

    async def test_security_admin_does_not_manage_ordinary_staff(self, client, world):
        r = await client.post(f"{USERS}/{world['staff'].id}/reset-password", json={"new_password": NEW_PASSWORD},
                              headers=auth(world["security"]))
        assert r.status_code == 403

    async def test_nobody_manages_their_own_account(self, client, session, world):
        await create_user(session, world["agency"], roles=[Role.security_admin])
        r = await client.post(f"{USERS}/{world['security'].id}/reset-password", json={"new_password": NEW_PASSWORD},
                              headers=auth(world["security"]))
        assert_problem(r, 403, "own_account")

    async def test_admin_cannot_manage_own_account(self, client, world):
        r = await client.patch(f"{USERS}/{world['admin'].id}", json={"display_name": "自改"},
                               headers=auth(world["admin"]))
        assert r.status_code == 403


class TestLastHolder:
    @pytest.mark.parametrize("role", ["admin", "auditor"])
    async def test_last_active_holder_cannot_be_deactivated(self, client, world, role):
        r = await client.post(f"{USERS}/{world[role].id}/deactivate", headers=auth(world["security"]))
        assert_problem(r, 409, "last_role_holder")

    async def test_last_security_admin_cannot_be_deactivated_by_another_security_admin_who_is_inactive(
            self, client, session, world):
        # The other holder is deactivated: it does not count as a holder.
        await create_user(session, world["agency"], roles=[Role.security_admin], is_active=False)
        second = await create_user(session, world["agency"], roles=[Role.security_admin])
        r = await client.post(f"{USERS}/{world['security'].id}/deactivate", headers=auth(second))
        assert r.status_code == 200
        r = await client.post(f"{USERS}/{second.id}/deactivate", headers=auth(world["security"]))
        assert r.status_code in {401, 403}  # the deactivated security admin's token no longer works

    async def test_last_holder_cannot_lose_the_role_by_revocation(self, client, world):
        grants = (await client.get(GRANTS, params={"user_id": world["auditor"].id},
                                   headers=auth(world["security"]))).json()
        r = await client.delete(f"{GRANTS}/{grants[0]['id']}", headers=auth(world["security"]))
        assert_problem(r, 409, "last_role_holder")

    async def test_revocation_allowed_when_another_active_holder_remains(self, client, session, world):
        await create_user(session, world["agency"], roles=[Role.auditor])
        grants = (await client.get(GRANTS, params={"user_id": world["auditor"].id},
                                   headers=auth(world["security"]))).json()
        r = await client.delete(f"{GRANTS}/{grants[0]['id']}", headers=auth(world["security"]))
        assert r.status_code == 204


class TestMustChangePassword:
    async def login(self, client, username: str, password: str = NEW_PASSWORD) -> dict:
        r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def test_token_after_a_reset_can_only_change_the_password(self, client, world):
        await client.post(f"{USERS}/{world['staff'].id}/reset-password", json={"new_password": NEW_PASSWORD},
                          headers=auth(world["admin"]))
        headers = await self.login(client, world["staff"].username)
        assert_problem(await client.get("/api/v1/notifications", headers=headers), 403, "password_change_required")
        assert_problem(await client.get("/api/v1/applications", headers=headers), 403, "password_change_required")
        me = await client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["must_change_password"] is True
        r = await client.post("/api/v1/auth/password", headers=headers,
                              json={"current_password": NEW_PASSWORD, "new_password": "Brand-New#2026"})
        assert r.status_code == 200, r.text
        fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (await client.get("/api/v1/notifications", headers=fresh)).status_code == 200

    async def test_restricted_token_is_refused_on_a_public_route_that_reads_the_caller(self, client, session, world):
        fresh = await create_user(session, world["dept"], must_change_password=True)
        headers = await self.login(client, fresh.username, PASSWORD)
        assert_problem(await client.get("/api/v1/notifications/unread-count", headers=headers), 403,
                       "password_change_required")

    async def test_restricted_token_can_log_out(self, client, session, world):
        fresh = await create_user(session, world["dept"], must_change_password=True)
        r = await client.post("/api/v1/auth/token", data={"username": fresh.username, "password": PASSWORD})
        pair = r.json()
        out = await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]},
                                headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert out.status_code == 204

"""User administration is scoped to the admin's org-unit subtree; other units' users do not exist for them."""

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from api.auth.models import Role, User
from tests.factories import auth, create_org_unit, create_user

USERS = "/api/v1/admin/users"


@pytest.fixture
async def world(session):
    """An agency with two departments; an admin granted on department A only."""
    agency = await create_org_unit(session, "测试局")
    dept_a = await create_org_unit(session, "甲处", parent=agency)
    dept_b = await create_org_unit(session, "乙处", parent=agency)
    admin = await create_user(session, dept_a, roles=[Role.admin])
    in_a = await create_user(session, dept_a)
    in_b = await create_user(session, dept_b)
    return {"agency": agency, "a": dept_a, "b": dept_b, "admin": admin, "in_a": in_a, "in_b": in_b}


def new_user(unit_id: int | None, username: str = "newstaff", **kw) -> dict:
    body = {"username": username, "password": "Xinyuan#2026", "display_name": "新员工", "kind": "staff",
            "org_unit_id": unit_id}
    body.update(kw)
    return body


class TestListUsers:
    async def test_lists_only_users_in_scope(self, client, world):
        r = await client.get(USERS, headers=auth(world["admin"]))
        assert r.status_code == 200
        ids = {u["id"] for u in r.json()["items"]}
        assert world["in_a"].id in ids
        assert world["in_b"].id not in ids

    async def test_limit_2_walks_every_user_once_with_link_headers(self, client, session, world):
        for _ in range(5):
            await create_user(session, world["a"])
        expected = set((await session.execute(
            select(User.id).where(User.org_unit_id == world["a"].id))).scalars())
        seen: list[int] = []
        url: str | None = f"{USERS}?limit=2"
        pages = 0
        while url:
            r = await client.get(url, headers=auth(world["admin"]))
            assert r.status_code == 200
            body = r.json()
            assert len(body["items"]) <= 2
            seen += [u["id"] for u in body["items"]]
            pages += 1
            if body["next_cursor"]:
                link = r.headers["Link"]
                assert link.endswith('; rel="next"')
                next_url = link[1:link.index(">")]
                assert parse_qs(urlparse(next_url).query)["cursor"] == [body["next_cursor"]]
                url = f"{urlparse(next_url).path}?{urlparse(next_url).query}"
            else:
                assert "Link" not in r.headers
                url = None
        assert len(seen) == len(set(seen))
        assert set(seen) == expected
        assert seen == sorted(seen, reverse=True)
        assert pages == 4

    @pytest.mark.parametrize("cursor", ["not a cursor!", "eyJ4IjoxfQ", "WyJ4Il0", "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
                                        "W3t9XQ", "W1sxXV0", "W251bGxd", "W3RydWVd", "WzEuNV0"])
    async def test_malformed_cursor_is_422(self, client, world, cursor):
        r = await client.get(USERS, params={"cursor": cursor}, headers=auth(world["admin"]))
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "cursor"

    async def test_limit_over_100_is_422(self, client, world):
        r = await client.get(USERS, params={"limit": 101}, headers=auth(world["admin"]))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "limit"

    async def test_non_admin_is_403(self, client, world):
        r = await client.get(USERS, headers=auth(world["in_a"]))
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden"


class TestGetUser:
    async def test_user_in_scope(self, client, world):
        r = await client.get(f"{USERS}/{world['in_a'].id}", headers=auth(world["admin"]))
        assert r.status_code == 200
        assert r.json()["username"] == world["in_a"].username

    async def test_other_department_user_is_404(self, client, world):
        r = await client.get(f"{USERS}/{world['in_b'].id}", headers=auth(world["admin"]))
        assert r.status_code == 404
        assert r.json()["code"] == "not_found"

    async def test_unknown_id_is_404(self, client, world):
        r = await client.get(f"{USERS}/987654", headers=auth(world["admin"]))
        assert r.status_code == 404


class TestCreateUser:
    async def test_creates_staff_in_own_department(self, client, session, world):
        r = await client.post(USERS, json=new_user(world["a"].id), headers=auth(world["admin"]))
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["org_unit_id"] == world["a"].id
        assert body["must_change_password"] is True
        stored = (await session.execute(select(User.password_hash).where(User.id == body["id"]))).scalar_one()
        assert stored.startswith("$argon2id$")

    async def test_other_department_is_403(self, client, world):
        r = await client.post(USERS, json=new_user(world["b"].id), headers=auth(world["admin"]))
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden"

    async def test_public_user_needs_an_agency_wide_admin(self, client, world):
        r = await client.post(USERS, json=new_user(None, kind="public"), headers=auth(world["admin"]))
        assert r.status_code == 403

    async def test_weak_password_is_422_naming_password(self, client, world):
        r = await client.post(USERS, json=new_user(world["a"].id, password="weak"), headers=auth(world["admin"]))
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"password"}

    async def test_every_invalid_field_is_named(self, client, world):
        body = new_user(world["a"].id, username="x", email="not-an-email", phone="123", kind="robot")
        r = await client.post(USERS, json=body, headers=auth(world["admin"]))
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"username", "email", "phone", "kind"}

    async def test_staff_without_unit_is_422(self, client, world):
        r = await client.post(USERS, json=new_user(None), headers=auth(world["admin"]))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "org_unit_id"

    async def test_duplicate_username_is_409(self, client, world):
        r = await client.post(USERS, json=new_user(world["a"].id, username=world["in_b"].username),
                              headers=auth(world["admin"]))
        assert r.status_code == 409


class TestUpdateUser:
    async def test_renames_user_in_scope(self, client, world):
        r = await client.patch(f"{USERS}/{world['in_a'].id}", json={"display_name": "改名"},
                               headers=auth(world["admin"]))
        assert r.status_code == 200
        assert r.json()["display_name"] == "改名"

    async def test_other_department_user_is_404(self, client, world):
        r = await client.patch(f"{USERS}/{world['in_b'].id}", json={"display_name": "改名"},
                               headers=auth(world["admin"]))
        assert r.status_code == 404

    async def test_moving_user_out_of_scope_is_403(self, client, world):
        r = await client.patch(f"{USERS}/{world['in_a'].id}", json={"org_unit_id": world["b"].id},
                               headers=auth(world["admin"]))
        assert r.status_code == 403

    async def test_null_display_name_is_422(self, client, world):
        r = await client.patch(f"{USERS}/{world['in_a'].id}", json={"display_name": None},
                               headers=auth(world["admin"]))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "display_name"


class TestResetPassword:
    async def test_resets_and_ends_sessions(self, client, world):
        old = auth(world["in_a"])
        r = await client.post(f"{USERS}/{world['in_a'].id}/reset-password", json={"new_password": "Chongzhi#2026"},
                              headers=auth(world["admin"]))
        assert r.status_code == 204
        assert (await client.get("/api/v1/auth/me", headers=old)).status_code == 401

    async def test_other_department_user_is_404(self, client, world):
        r = await client.post(f"{USERS}/{world['in_b'].id}/reset-password", json={"new_password": "Chongzhi#2026"},
                              headers=auth(world["admin"]))
        assert r.status_code == 404

    async def test_weak_password_is_422_naming_new_password(self, client, world):
        r = await client.post(f"{USERS}/{world['in_a'].id}/reset-password", json={"new_password": "weak"},
                              headers=auth(world["admin"]))
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"new_password"}


class TestDeactivateUser:
    async def test_deactivated_user_cannot_use_their_token(self, client, world):
        theirs = auth(world["in_a"])
        r = await client.post(f"{USERS}/{world['in_a'].id}/deactivate", headers=auth(world["admin"]))
        assert r.status_code == 200
        assert r.json()["is_active"] is False
        assert (await client.get("/api/v1/auth/me", headers=theirs)).status_code == 401

    async def test_other_department_user_is_404(self, client, world):
        r = await client.post(f"{USERS}/{world['in_b'].id}/deactivate", headers=auth(world["admin"]))
        assert r.status_code == 404

    async def test_deactivating_oneself_is_403(self, client, world):
        r = await client.post(f"{USERS}/{world['admin'].id}/deactivate", headers=auth(world["admin"]))
        assert r.status_code == 403
        assert r.json()["code"] == "own_account"


class TestAuditorCannotWrite:
    @pytest.fixture
    async def auditor(self, session, world):
        return await create_user(session, world["agency"], roles=[Role.auditor])

    async def test_create_user_is_403(self, client, world, auditor):
        r = await client.post(USERS, json=new_user(world["a"].id), headers=auth(auditor))
        assert r.status_code == 403

    async def test_update_org_unit_is_403(self, client, world, auditor):
        r = await client.patch(f"/api/v1/admin/org-units/{world['a'].id}", json={"name": "改"}, headers=auth(auditor))
        assert r.status_code == 403

    async def test_create_role_grant_is_403(self, client, world, auditor):
        r = await client.post("/api/v1/admin/role-grants", headers=auth(auditor),
                              json={"user_id": world["in_a"].id, "role": "editor", "org_unit_id": world["a"].id})
        assert r.status_code == 403

    async def test_admin_cannot_read_the_audit_log(self, client, world):
        r = await client.get("/api/v1/audit", headers=auth(world["admin"]))
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden"

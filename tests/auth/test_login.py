"""Login: throttling per account and IP without locking out the real user; argon2id and the password policy."""

import httpx
import pytest
from sqlalchemy import select

from api.auth.models import User
from api.auth.service import IP_LIMIT, PAIR_LIMIT
from api.main import app
from tests.factories import PASSWORD, create_org_unit, create_user

TOKEN = "/api/v1/auth/token"


async def login(client, username: str, password: str = PASSWORD):
    return await client.post(TOKEN, data={"username": username, "password": password})


@pytest.fixture
async def user(session):
    created = await create_user(session, await create_org_unit(session))
    session.expunge_all()
    return created


@pytest.fixture
async def other_ip_client(session):
    transport = httpx.ASGITransport(app=app, client=("198.51.100.23", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class TestLogin:
    async def test_right_password_gives_a_token_pair(self, client, user):
        r = await login(client, user.username)
        assert r.status_code == 200
        body = r.json()
        assert body["token_type"] == "bearer"
        assert body["access_token"] and body["refresh_token"]

    async def test_username_is_case_insensitive(self, client, user):
        r = await login(client, user.username.upper())
        assert r.status_code == 200

    async def test_wrong_password_is_401_problem(self, client, user):
        r = await login(client, user.username, "Wrong-pass1")
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "unauthorized"

    async def test_unknown_user_is_401(self, client):
        r = await login(client, "nobody-here")
        assert r.status_code == 401

    async def test_deactivated_user_cannot_log_in(self, client, session):
        unit = await create_org_unit(session)
        gone = await create_user(session, unit, is_active=False)
        r = await login(client, gone.username)
        assert r.status_code == 401

    async def test_repeated_wrong_passwords_are_throttled(self, client, user):
        for _ in range(PAIR_LIMIT):
            assert (await login(client, user.username, "Wrong-pass1")).status_code == 401
        r = await login(client, user.username)
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "rate_limited"
        assert int(r.headers["Retry-After"]) > 0

    async def test_victim_can_still_log_in_from_another_ip(self, client, other_ip_client, user):
        for _ in range(PAIR_LIMIT + 2):
            await login(client, user.username, "Wrong-pass1")
        assert (await login(client, user.username)).status_code == 429
        r = await login(other_ip_client, user.username)
        assert r.status_code == 200

    async def test_one_ip_is_throttled_across_many_usernames(self, client, other_ip_client, user):
        for i in range(IP_LIMIT):
            assert (await login(client, f"guess{i}", "Wrong-pass1")).status_code == 401
        r = await login(client, user.username)
        assert r.status_code == 429
        assert r.json()["code"] == "rate_limited"
        assert (await login(other_ip_client, user.username)).status_code == 200

    async def test_success_resets_the_pair_counter(self, client, user):
        for _ in range(PAIR_LIMIT - 1):
            await login(client, user.username, "Wrong-pass1")
        assert (await login(client, user.username)).status_code == 200
        for _ in range(PAIR_LIMIT - 1):
            await login(client, user.username, "Wrong-pass1")
        assert (await login(client, user.username)).status_code == 200


class TestRegister:
    async def test_password_is_stored_as_argon2id(self, client, session):
        r = await client.post("/api/v1/auth/register", json={
            "username": "citizen-a", "password": "Gongmin#2026", "display_name": "市民甲"})
        assert r.status_code == 201, r.text
        stored = (await session.execute(select(User.password_hash).where(User.id == r.json()["id"]))).scalar_one()
        assert stored.startswith("$argon2id$")
        assert "Gongmin#2026" not in stored

    @pytest.mark.parametrize("password", ["Sh0rt!", "alllowercase", "nouppercase1", "x" * 129 + "A1!"])
    async def test_weak_password_is_422_naming_the_field(self, client, password):
        r = await client.post("/api/v1/auth/register", json={
            "username": "citizen-b", "password": password, "display_name": "市民乙"})
        assert r.status_code == 422
        body = r.json()
        assert body["code"] == "validation_failed"
        assert {e["field"] for e in body["errors"]} == {"password"}

    async def test_password_containing_the_username_is_422(self, client):
        r = await client.post("/api/v1/auth/register", json={
            "username": "zhangsan", "password": "Zhangsan#2026", "display_name": "张三"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "password"

    async def test_taken_username_is_409(self, client, user):
        r = await client.post("/api/v1/auth/register", json={
            "username": user.username, "password": "Gongmin#2026", "display_name": "重名"})
        assert r.status_code == 409
        assert r.json()["code"] == "conflict"


class TestChangePassword:
    async def test_new_password_ends_other_sessions(self, client, user):
        pair = (await login(client, user.username)).json()
        headers = {"Authorization": f"Bearer {pair['access_token']}"}
        r = await client.post("/api/v1/auth/password", headers=headers,
                              json={"current_password": PASSWORD, "new_password": "Brand-New#2026"})
        assert r.status_code == 200
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
        fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (await client.get("/api/v1/auth/me", headers=fresh)).status_code == 200
        refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refresh.status_code == 401
        assert (await login(client, user.username, "Brand-New#2026")).status_code == 200

    async def test_weak_new_password_is_422_naming_new_password(self, client, user):
        pair = (await login(client, user.username)).json()
        r = await client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {pair['access_token']}"},
                              json={"current_password": PASSWORD, "new_password": "weak"})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"new_password"}

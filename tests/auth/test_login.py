"""Login: throttling per account and IP without locking out the real user; argon2id and the password policy."""

import httpx
import pytest
from sqlalchemy import select

from api.auth.models import User
from api.auth.service import ACCOUNT_LIMIT, IP_LIMIT, PAIR_LIMIT, REGISTER_LIMIT
from api.main import app
from tests.factories import PASSWORD, create_org_unit, create_user

TOKEN = "/api/v1/auth/token"


async def login(client, username: str, password: str = PASSWORD):
    return await client.post(TOKEN, data={"username": username, "password": password})


def client_from(ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 50000)), base_url="http://testserver")


async def fail_from_rotating_ips(username: str, attempts: int) -> None:
    """An attacker with a fresh IP for every guess (never throttled per IP or per pair)."""
    for i in range(attempts):
        async with client_from(f"10.66.{i // 250}.{i % 250 + 1}") as c:
            assert (await login(c, username, "Wrong-pass1")).status_code == 401


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

    async def test_rotating_ips_cannot_lock_the_user_out_of_a_new_ip(self, user):
        await fail_from_rotating_ips(user.username, ACCOUNT_LIMIT + 5)
        async with client_from("192.0.2.200") as new_place:
            r = await login(new_place, user.username)
        assert r.status_code == 200, r.text

    async def test_under_attack_an_unknown_ip_gets_one_guess(self, user):
        await fail_from_rotating_ips(user.username, ACCOUNT_LIMIT)
        async with client_from("192.0.2.201") as guesser:
            assert (await login(guesser, user.username, "Wrong-pass1")).status_code == 401
            r = await login(guesser, user.username, "Wrong-pass2")
        assert r.status_code == 429
        assert r.json()["code"] == "rate_limited"

    async def test_under_attack_an_ip_that_signed_in_before_keeps_its_allowance(self, client, user):
        assert (await login(client, user.username)).status_code == 200
        await fail_from_rotating_ips(user.username, ACCOUNT_LIMIT)
        for _ in range(PAIR_LIMIT - 1):
            assert (await login(client, user.username, "Wrong-pass1")).status_code == 401
        assert (await login(client, user.username)).status_code == 200

    async def test_success_resets_the_pair_counter(self, client, user):
        for _ in range(PAIR_LIMIT - 1):
            await login(client, user.username, "Wrong-pass1")
        assert (await login(client, user.username)).status_code == 200
        for _ in range(PAIR_LIMIT - 1):
            await login(client, user.username, "Wrong-pass1")
        assert (await login(client, user.username)).status_code == 200


REGISTER = "/api/v1/auth/register"


class TestRegister:
    async def test_password_is_stored_as_argon2id(self, client, session):
        r = await client.post(REGISTER, json={
            "username": "citizen-a", "password": "Gongmin#2026", "display_name": "市民甲"})
        assert r.status_code == 202, r.text
        stored = (await session.execute(select(User.password_hash).where(User.username == "citizen-a"))).scalar_one()
        assert stored.startswith("$argon2id$")
        assert "Gongmin#2026" not in stored

    async def test_registered_account_can_sign_in(self, client):
        r = await client.post(REGISTER, json={
            "username": "citizen-c", "password": "Gongmin#2026", "display_name": "市民丙"})
        assert r.status_code == 202
        assert (await login(client, "citizen-c", "Gongmin#2026")).status_code == 200

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

    async def test_taken_username_answers_exactly_like_a_free_one(self, client, session, user):
        free = await client.post(REGISTER, json={
            "username": "citizen-d", "password": "Gongmin#2026", "display_name": "市民丁"})
        taken = await client.post(REGISTER, json={
            "username": user.username.upper(), "password": "Gongmin#2026", "display_name": "重名"})
        assert (taken.status_code, taken.json()) == (free.status_code, free.json())
        assert taken.headers["content-type"] == free.headers["content-type"]
        names = (await session.execute(select(User.display_name).where(User.username == user.username))).scalars()
        assert list(names) == [user.display_name]
        assert (await login(client, user.username, "Gongmin#2026")).status_code == 401

    async def test_registration_is_rate_limited_per_ip(self, client, other_ip_client):
        for i in range(REGISTER_LIMIT):
            r = await client.post(REGISTER, json={
                "username": f"burst{i}", "password": "Gongmin#2026", "display_name": "批量"})
            assert r.status_code == 202
        r = await client.post(REGISTER, json={
            "username": "burst-x", "password": "Gongmin#2026", "display_name": "批量"})
        assert r.status_code == 429
        assert r.json()["code"] == "rate_limited"
        assert int(r.headers["Retry-After"]) > 0
        other = await other_ip_client.post(REGISTER, json={
            "username": "elsewhere", "password": "Gongmin#2026", "display_name": "别处"})
        assert other.status_code == 202


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


class TestOutsideTheWriteTransaction:
    async def test_a_wrong_password_is_answered_while_another_writer_holds_the_sqlite_lock(
            self, committing_client, engine):
        """Verification (argon2) runs before the request's write transaction: a flood of wrong passwords never
        queues behind, or in front of, the writers."""
        import sqlite3

        from sqlalchemy.ext.asyncio import AsyncSession

        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's database-wide write lock")
        async with AsyncSession(engine) as s:
            created = await create_user(s, await create_org_unit(s))
            username = created.username
            await s.commit()
        holder = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            r = await login(committing_client, username, "Wrong-pass1")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert r.status_code == 401, r.text
        assert (await login(committing_client, username)).status_code == 200

    async def test_registration_is_checked_and_hashed_before_the_write_transaction(self, committing_client, engine):
        import sqlite3

        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's database-wide write lock")
        holder = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            weak = await committing_client.post(REGISTER, json={
                "username": "locked-out", "password": "Woaini@1314", "display_name": "市民"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert weak.status_code == 422, weak.text


async def test_an_empty_username_or_password_names_each_field(client):
    """The same problem shape as every other 422 (field, in, message, type), as the contract says."""
    r = await client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "", "password": ""})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "validation_failed"
    assert [(e["field"], e["in"], e["type"]) for e in body["errors"]] == [("username", "body", "missing"),
                                                                           ("password", "body", "missing")]

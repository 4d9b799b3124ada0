"""Password hashing runs off the event loop; common passwords (with the Chinese context) are refused everywhere
a password is set."""

import asyncio

import pytest

from api.auth import passwords
from api.auth.models import Role
from api.auth.passwords import PrehashedSecrets, hash_password, policy_problems, verify_password
from api.config import get_settings
from tests.factories import PASSWORD, auth, create_org_unit, create_user

COMMON = ["Woaini@1314", "Zhengwu@2026", "Jiguanshiwu@2026", "A123456a!", "Abc@123456", "Qwerty@123",
          "P@ssw0rd1", "Gov@123456"]


async def loop_turns_while(work) -> int:
    """How many times the event loop ran other code while `work` was running."""
    task = asyncio.ensure_future(work)
    turns = 0
    while not task.done():
        await asyncio.sleep(0)
        turns += 1
    await task
    return turns


@pytest.fixture
def production_hashing(monkeypatch):
    """The production argon2 profile (the suite runs with argon2-cffi's cheapest): these tests need a hash slow
    enough for the event loop to turn while it runs."""
    monkeypatch.setattr(get_settings(), "password_hash_profile", "rfc9106_low_memory")
    passwords._hasher.cache_clear()
    yield
    monkeypatch.undo()
    passwords._hasher.cache_clear()


@pytest.mark.usefixtures("production_hashing")
class TestOffTheEventLoop:
    async def test_hashing_lets_the_loop_run(self):
        assert await loop_turns_while(hash_password("Gongmin#2026")) > 10

    async def test_verifying_lets_the_loop_run(self):
        stored = await hash_password("Gongmin#2026")
        assert await loop_turns_while(verify_password(stored, "Gongmin#2026")) > 10

    async def test_verify_still_checks(self):
        stored = await hash_password("Gongmin#2026")
        assert await verify_password(stored, "Gongmin#2026") is True
        assert await verify_password(stored, "Gongmin#2027") is False
        assert await verify_password(None, "Gongmin#2026") is False

    async def test_other_requests_are_served_during_a_login(self, client, session):
        user = await create_user(session, await create_org_unit(session))
        login = client.post("/api/v1/auth/token", data={"username": user.username, "password": PASSWORD})
        assert await loop_turns_while(login) > 10


class TestStrength:
    @pytest.mark.parametrize("password", COMMON)
    def test_common_chinese_context_passwords_are_refused(self, password):
        assert policy_problems(password, "citizen")

    def test_the_demo_password_passes(self):
        assert policy_problems(get_settings().demo_password, "admin") == []

    def test_display_name_counts_as_a_word(self):
        assert policy_problems("Xiaohong@2026", "citizen", ("xiaohong",))

    @pytest.mark.parametrize("password", ["Woaini@1314", "Zhengwu@2026"])
    async def test_register_refuses_a_common_password(self, client, password):
        r = await client.post("/api/v1/auth/register", json={
            "username": "citizen-z", "password": password, "display_name": "市民"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "password"

    async def test_password_change_refuses_a_common_password(self, client, session):
        user = await create_user(session, await create_org_unit(session))
        r = await client.post("/api/v1/auth/password", headers=auth(user),
                              json={"current_password": PASSWORD, "new_password": "Woaini@1314"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "new_password"

    async def test_admin_reset_refuses_a_common_password(self, client, session):
        unit = await create_org_unit(session)
        admin = await create_user(session, unit, roles=[Role.admin])
        staff = await create_user(session, unit)
        r = await client.post(f"/api/v1/admin/users/{staff.id}/reset-password", headers=auth(admin),
                              json={"new_password": "Qwerty@123"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "new_password"


class TestPrehashedSecrets:
    async def test_a_complaints_query_code_comes_hashed_before_the_request_needs_it(self):
        from api.complaints.submission import QUERY_CODES

        await QUERY_CODES.filled()
        # A ready pair is handed over without a hash in the request (no turn of the loop spent waiting).
        assert await loop_turns_while(QUERY_CODES.take()) <= 1

    async def test_pairs_verify_and_are_never_reused(self):
        codes = iter(f"CODE{i:04d}" for i in range(100))
        pool = PrehashedSecrets(lambda: next(codes), stock=2)
        await pool.filled()
        taken = [await pool.take() for _ in range(4)]
        assert len({code for code, _ in taken}) == 4
        for code, stored in taken:
            assert await verify_password(stored, code)

    async def test_an_empty_stock_still_answers(self):
        pool = PrehashedSecrets(lambda: "ABCDEFGH", stock=1)
        code, stored = await pool.take()
        assert code == "ABCDEFGH"
        assert await verify_password(stored, code)

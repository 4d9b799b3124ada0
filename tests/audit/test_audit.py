"""The audit log: one record per state change in the same transaction, a keyed chain that detects tampering.
Tests read the log the way the audit API does: through the service, which links what is waiting first."""

import asyncio
import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.keys import write_audit_key
from api.auth.models import Role
from api.config import ROOT, get_settings
from api.database import make_engine
from tests.audit.forgery import forge
from tests.factories import auth, create_org_unit, create_user


@pytest.fixture
async def world(session):
    agency = await create_org_unit(session, "测试局")
    dept = await create_org_unit(session, "甲处", parent=agency)
    return {
        "dept": dept,
        "admin": await create_user(session, dept, roles=[Role.admin]),
        "auditor": await create_user(session, agency, roles=[Role.auditor]),
    }


async def create_staff(client, world, username: str = "auditme", **headers: str):
    return await client.post("/api/v1/admin/users", headers={**auth(world["admin"]), **headers}, json={
        "username": username, "password": "Audited#Rec2026", "display_name": "被审计", "kind": "staff",
        "org_unit_id": world["dept"].id})


class TestAuditRecords:
    async def test_create_user_writes_a_full_record(self, client, session, world):
        r = await create_staff(client, world, **{"X-Request-ID": "audit-req-0001"})
        assert r.status_code == 201
        [rec] = await audit.entries(session, action="user.create")
        assert rec.actor_id == world["admin"].id
        assert rec.actor_role == "admin"
        assert rec.object_type == "user"
        assert rec.object_id == str(r.json()["id"])
        assert rec.ip == "203.0.113.7"
        assert rec.request_id == "audit-req-0001"
        assert rec.summary["username"] == "auditme"

    async def test_failed_request_leaves_no_record(self, client, session, world):
        r = await create_staff(client, world, username=world["admin"].username)
        assert r.status_code == 409
        assert await audit.entries(session) == []

    async def test_record_shares_the_transaction(self, session):
        await audit.record(session, audit.SYSTEM, "test.kept", "system")
        async with session.begin_nested() as sp:
            await audit.record(session, audit.SYSTEM, "test.rolled_back", "system")
            await sp.rollback()
        await session.commit()
        assert [r.action for r in await audit.entries(session)] == ["test.kept"]
        assert (await audit.verify_chain(session)).ok


class TestSearchAudit:
    async def test_auditor_reads_the_log(self, client, world):
        await create_staff(client, world)
        r = await client.get("/api/v1/audit", params={"action": "user.create"}, headers=auth(world["auditor"]))
        assert r.status_code == 200
        assert [i["action"] for i in r.json()["items"]] == ["user.create"]

    async def test_admin_is_403(self, client, world):
        r = await client.get("/api/v1/audit", headers=auth(world["admin"]))
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden"


class TestVerifyAuditChain:
    async def make_records(self, client, session, world, n: int = 3) -> None:
        for i in range(n):
            assert (await create_staff(client, world, username=f"chain{i}")).status_code == 201
        await audit.link_all(session)

    async def test_untouched_chain_verifies(self, client, session, world):
        await self.make_records(client, session, world)
        r = await client.get("/api/v1/audit/verify", headers=auth(world["auditor"]))
        assert r.status_code == 200
        assert r.json()["ok"] is True
        assert r.json()["checked"] == 3

    async def test_tampered_summary_is_detected(self, client, session, world):
        await self.make_records(client, session, world)
        await session.execute(text("UPDATE audit_records SET summary = :s WHERE id = 2"), {"s": '{"username": "x"}'})
        body = (await client.get("/api/v1/audit/verify", headers=auth(world["auditor"]))).json()
        assert body["ok"] is False
        assert body["first_bad_id"] == 2

    async def test_changed_record_with_every_later_hash_recomputed_is_detected(self, client, session, world):
        await self.make_records(client, session, world)
        await forge(session, 2, {"username": "x"})
        body = (await client.get("/api/v1/audit/verify", headers=auth(world["auditor"]))).json()
        assert body["ok"] is False
        assert body["first_bad_id"] == 2

    async def test_deleted_last_record_is_detected(self, client, session, world):
        await self.make_records(client, session, world)
        await session.execute(text("DELETE FROM audit_records WHERE id = (SELECT max(id) FROM audit_records)"))
        body = (await client.get("/api/v1/audit/verify", headers=auth(world["auditor"]))).json()
        assert body["ok"] is False
        assert body["first_bad_id"] == 3

    async def test_deleted_middle_record_is_detected(self, client, session, world):
        await self.make_records(client, session, world)
        await session.execute(text("DELETE FROM audit_records WHERE id = 2"))
        body = (await client.get("/api/v1/audit/verify", headers=auth(world["auditor"]))).json()
        assert body["ok"] is False
        assert body["first_bad_id"] == 2

    async def test_admin_cannot_verify(self, client, world):
        assert (await client.get("/api/v1/audit/verify", headers=auth(world["admin"]))).status_code == 403


class TestVerifyAuditCli:
    """`python -m api.cli verify-audit` on a temporary SQLite database migrated by `python -m api.cli migrate`."""

    def cli(self, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    async def test_exit_code_1_on_a_tampered_database(self, tmp_path, monkeypatch):
        db = tmp_path / "cli.db"
        url = f"sqlite+aiosqlite:///{db}"
        key = tmp_path / "audit.key"
        write_audit_key(key)
        monkeypatch.setattr(get_settings(), "audit_key_file", key)  # this process links with the CLI's key
        env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_VAR_DIR": str(tmp_path),
               "PORTAL_AUDIT_KEY_FILE": str(key)}
        assert (await asyncio.to_thread(self.cli, env, "migrate")).returncode == 0
        engine = make_engine(url)
        try:
            async with AsyncSession(engine) as s:
                for i in range(3):
                    await audit.record(s, audit.SYSTEM, "test.event", "system", i, {"n": i})
                await s.commit()  # committed to the outbox; verify-audit links it first
        finally:
            await engine.dispose()
        ok = await asyncio.to_thread(self.cli, env, "verify-audit")
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert '"checked": 3' in ok.stdout
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await forge(conn, 2, {"n": 99})
        finally:
            await engine.dispose()
        bad = await asyncio.to_thread(self.cli, env, "verify-audit")
        assert bad.returncode == 1
        assert '"first_bad_id": 2' in bad.stdout


class TestConcurrentWriters:
    async def test_concurrent_commits_keep_one_unbroken_chain(self, committing_client, engine):
        async def register(i: int) -> int:
            r = await committing_client.post("/api/v1/auth/register", json={
                "username": f"chain{i}", "password": "Chain#Pass2026", "display_name": f"并发{i}"})
            return r.status_code

        assert await asyncio.gather(*(register(i) for i in range(10))) == [202] * 10
        async with AsyncSession(engine) as s:
            actions = [r.action for r in await audit.entries(s)]
            report = await audit.verify_chain(s)
            await s.commit()
        assert report.ok, report
        assert actions.count("user.register") == 10

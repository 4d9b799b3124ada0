"""The audit MAC key: outside the database, 0600, required in production, rotated without re-linking."""

import stat

import pytest

from api.audit import service as audit
from api.audit.keys import AuditKeys, get_audit_keys, write_audit_key
from api.config import Environment, Settings, get_settings
from tests.conftest import DATABASE_URL


@pytest.fixture
def key_a(tmp_path):
    write_audit_key(tmp_path / "a.key")
    return tmp_path / "a.key"


@pytest.fixture
def key_b(tmp_path):
    write_audit_key(tmp_path / "b.key")
    return tmp_path / "b.key"


def use_keys(monkeypatch: pytest.MonkeyPatch, active, *previous) -> None:
    monkeypatch.setattr(get_settings(), "audit_key_file", active)
    monkeypatch.setattr(get_settings(), "previous_audit_key_files", list(previous))


async def add_records(session, n: int) -> None:
    for i in range(n):
        await audit.record(session, audit.SYSTEM, "test.event", "system", i)
    await audit.link_all(session)


class TestRotation:
    async def test_old_records_verify_with_the_previous_key(self, session, monkeypatch, key_a, key_b):
        use_keys(monkeypatch, key_a)
        await add_records(session, 2)
        use_keys(monkeypatch, key_b, key_a)
        await add_records(session, 1)
        a, b = AuditKeys.from_files(key_a, []).active.kid, AuditKeys.from_files(key_b, []).active.kid
        assert [r.key_id for r in await audit.entries(session)] == [a, a, b]
        assert (await audit.verify_chain(session)).ok

    async def test_a_record_whose_key_is_gone_fails(self, session, monkeypatch, key_a, key_b):
        use_keys(monkeypatch, key_a)
        await add_records(session, 1)
        use_keys(monkeypatch, key_b)  # key A dropped instead of kept as a previous key
        await add_records(session, 1)
        report = await audit.verify_chain(session)
        assert (report.ok, report.first_bad_id) == (False, 1)
        assert "密钥" in report.problem

    async def test_the_same_records_under_another_key_fail(self, session, monkeypatch, key_a, key_b):
        """An attacker who re-links the chain with a key of their own gets nowhere: the kid names our key."""
        use_keys(monkeypatch, key_a)
        await add_records(session, 2)
        forged_key = AuditKeys.from_files(key_b, []).active
        rows = await audit.entries(session)
        prev = audit.GENESIS
        for rec in rows:
            rec.prev_hash, rec.hash = prev, audit.link_hash(forged_key, prev, rec)
            prev = rec.hash
        await session.flush()
        report = await audit.verify_chain(session)
        assert (report.ok, report.first_bad_id) == (False, 1)


class TestKeyFiles:
    def test_development_key_is_generated_0600(self, tmp_path, monkeypatch):
        monkeypatch.setattr(get_settings(), "var_dir", tmp_path)
        keys = get_audit_keys()
        [path] = (tmp_path / "keys").glob("audit-*.key")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert keys.active.kid == AuditKeys.from_files(path, []).active.kid
        assert "secret" not in repr(keys.active) and path.read_text().strip() not in repr(keys.active)

    def test_cli_writes_a_0600_key(self, tmp_path):
        from api.cli import main

        assert main(["generate-audit-key", str(tmp_path / "k.key")]) == 0
        assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
        assert len(AuditKeys.from_files(tmp_path / "k.key", []).active.secret) == 32

    def test_a_short_key_is_refused(self, tmp_path):
        (tmp_path / "short.key").write_text("00ff")
        with pytest.raises(ValueError, match="32"):
            AuditKeys.from_files(tmp_path / "short.key", [])


class TestProduction:
    def settings(self, **kw) -> Settings:
        return Settings(env=Environment.production, database_url=DATABASE_URL, allow_sqlite_in_production=True, **kw)

    def test_no_audit_key_names_the_setting(self):
        assert any("PORTAL_AUDIT_KEY_FILE" in p for p in self.settings().production_problems())

    def test_a_key_readable_by_others_is_refused(self, key_a):
        key_a.chmod(0o644)
        problems = self.settings(audit_key_file=key_a).production_problems()
        assert any("PORTAL_AUDIT_KEY_FILE" in p and "chmod 600" in p for p in problems)

    def test_production_never_generates_a_key(self, tmp_path, monkeypatch):
        monkeypatch.setattr(get_settings(), "env", Environment.production)
        monkeypatch.setattr(get_settings(), "var_dir", tmp_path)
        with pytest.raises(RuntimeError, match="PORTAL_AUDIT_KEY_FILE"):
            get_audit_keys()
        assert not (tmp_path / "keys").exists()

"""Production refuses unsafe settings and demo accounts, each time saying what to set."""

import stat
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type, extract_parameters, profiles
from sqlalchemy import delete

from api.audit.keys import write_audit_key
from api.auth.models import User, UserKind
from api.auth.passwords import PROFILES
from api.auth.tokens import KeyRing, write_private_key
from api.config import Environment, Settings
from api.main import StartupRefused, check_production, create_app
from tests.conftest import DATABASE_URL


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "signing.pem"
    write_private_key(path)
    return path


AUDIT_KEY = Path(tempfile.mkdtemp(prefix="portal-audit-key-")) / "audit.key"
write_audit_key(AUDIT_KEY)


def production(**kw) -> Settings:
    values = {"env": Environment.production, "database_url": DATABASE_URL, "allow_sqlite_in_production": True,
              "audit_key_file": AUDIT_KEY, "password_hash_profile": "rfc9106_low_memory"}
    values.update(kw)
    return Settings(**values)


class TestProductionProblems:
    def test_no_signing_key_names_the_setting(self):
        problems = production(signing_key_file=None).production_problems()
        assert any("PORTAL_SIGNING_KEY_FILE" in p for p in problems)

    def test_missing_key_file_names_the_setting(self, tmp_path):
        problems = production(signing_key_file=tmp_path / "nope.pem").production_problems()
        assert any("PORTAL_SIGNING_KEY_FILE" in p for p in problems)

    def test_sqlite_names_both_ways_out(self, key_file):
        problems = production(signing_key_file=key_file, database_url="sqlite+aiosqlite:///x.db",
                              allow_sqlite_in_production=False).production_problems()
        assert len(problems) == 1
        assert "PORTAL_DATABASE_URL" in problems[0]
        assert "PORTAL_ALLOW_SQLITE_IN_PRODUCTION" in problems[0]

    def test_sqlite_allowed_explicitly(self, key_file):
        s = production(signing_key_file=key_file, database_url="sqlite+aiosqlite:///x.db")
        assert s.production_problems() == []

    def test_the_test_suites_hash_profile_is_refused(self, key_file):
        problems = production(signing_key_file=key_file, password_hash_profile="cheapest").production_problems()
        assert len(problems) == 1
        assert "PORTAL_PASSWORD_HASH_PROFILE" in problems[0]

    def test_passwords_default_to_rfc_9106_low_memory(self, monkeypatch):
        monkeypatch.delenv("PORTAL_PASSWORD_HASH_PROFILE", raising=False)
        chosen = PROFILES[Settings().password_hash_profile]
        assert chosen == profiles.RFC_9106_LOW_MEMORY
        assert (chosen.type, chosen.time_cost, chosen.memory_cost) == (Type.ID, 3, 65536)
        made = PasswordHasher.from_parameters(chosen).hash("Gongmin#2026")
        assert extract_parameters(made) == chosen

    def test_env_prefix_is_portal(self, monkeypatch, key_file):
        monkeypatch.setenv("PORTAL_ENV", "production")
        monkeypatch.setenv("PORTAL_SIGNING_KEY_FILE", str(key_file))
        monkeypatch.setenv("PORTAL_AUDIT_KEY_FILE", str(AUDIT_KEY))
        monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+asyncpg://u@h/db")
        monkeypatch.delenv("PORTAL_PASSWORD_HASH_PROFILE", raising=False)
        s = Settings()
        assert s.env == Environment.production
        assert s.production_problems() == []


@pytest.mark.usefixtures("engine")  # a migrated database: the checks read it whatever else they refuse
class TestCheckProduction:
    async def test_refuses_without_signing_key(self):
        with pytest.raises(StartupRefused, match="PORTAL_SIGNING_KEY_FILE"):
            await check_production(production(signing_key_file=None))

    async def test_refuses_sqlite(self, key_file):
        with pytest.raises(StartupRefused, match="PORTAL_ALLOW_SQLITE_IN_PRODUCTION"):
            await check_production(production(signing_key_file=key_file, database_url="sqlite+aiosqlite:///x.db",
                                              allow_sqlite_in_production=False))

    async def test_accepts_a_clean_database(self, engine, key_file):
        await check_production(production(signing_key_file=key_file))

    async def test_refuses_demo_accounts(self, engine, key_file):
        async with engine.begin() as conn:
            await conn.execute(User.__table__.insert().values(
                username="demo-left-over", display_name="演示", kind=UserKind.public, password_hash="x",
                is_active=True, is_demo=True, must_change_password=False, token_version=0))
        try:
            with pytest.raises(StartupRefused, match="purge-demo"):
                await check_production(production(signing_key_file=key_file))
        finally:
            async with engine.begin() as conn:
                await conn.execute(delete(User).where(User.username == "demo-left-over"))

    async def test_app_startup_refuses(self):
        app = create_app(production(signing_key_file=None))
        with pytest.raises(StartupRefused):
            async with app.router.lifespan_context(app):
                pass


class TestDevelopmentKey:
    def test_generated_key_file_is_0600(self, tmp_path):
        keys = tmp_path / "keys"
        ring = KeyRing.development(keys, timedelta(minutes=16))
        files = list(keys.glob("*.pem"))
        assert len(files) == 1
        assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
        assert stat.S_IMODE(keys.stat().st_mode) == 0o700
        assert ring.active.private_pem is not None

    def test_cli_generate_key_is_0600(self, tmp_path):
        from api.cli import main

        assert main(["generate-key", str(tmp_path / "k.pem")]) == 0
        assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600

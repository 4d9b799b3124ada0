"""Liveness, and readiness that fails with a 503 problem when the database is gone or not at head."""

import pytest
from sqlalchemy import text

import api.health as health
from api.config import get_settings
from api.database import dispose_engine, make_engine


@pytest.fixture
async def engine_at(monkeypatch):
    """Point the app at another database for one test, through its settings (as an operator would): the
    app's engine is dropped before and after, so get_engine() builds it from the URL in force."""
    await dispose_engine()

    def point(url: str) -> None:
        monkeypatch.setattr(get_settings(), "database_url", url)

    yield point
    await dispose_engine()  # monkeypatch then restores the test database's URL


class TestHealth:
    async def test_alive(self, client):
        r = await client.get("/api/v1/health")
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}


class TestReady:
    async def test_ready_at_head(self, client):
        r = await client.get("/api/v1/ready")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ready"
        assert set(r.json()["migration"].split(",")) == health.migration_heads()

    async def test_unreachable_database_is_503(self, client, engine_at):
        engine_at("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
        r = await client.get("/api/v1/ready")
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "database_unavailable"

    async def test_missing_sqlite_file_is_503(self, client, engine_at, tmp_path):
        engine_at(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
        r = await client.get("/api/v1/ready")
        assert r.status_code == 503
        assert r.json()["code"] == "database_unavailable"

    async def test_other_migration_is_503(self, client, engine_at, tmp_path):
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        setup = make_engine(url)
        async with setup.begin() as conn:
            await conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            await conn.execute(text("INSERT INTO alembic_version VALUES ('0000_old')"))
        await setup.dispose()
        engine_at(url)
        r = await client.get("/api/v1/ready")
        assert r.status_code == 503
        assert r.json()["code"] == "migrations_pending"
        assert "make migrate" in r.json()["detail"]

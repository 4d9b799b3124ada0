"""Tests run against a real database built by `alembic upgrade head`: SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set. Each test runs inside a transaction that is rolled back."""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="portal-test-"))
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{_TMP / 'test.db'}"
os.environ["PORTAL_DATABASE_URL"] = DATABASE_URL
os.environ["PORTAL_VAR_DIR"] = str(_TMP)
os.environ.setdefault("PORTAL_ENV", "development")
os.environ.pop("PORTAL_REDIS_URL", None)
# The response cache keeps nothing unless a test turns it on (tests/cache): most tests run in one rolled-back
# transaction the cache's own head read could not see.
os.environ.setdefault("PORTAL_RESPONSE_CACHE_MB", "0")
# argon2-cffi's test profile: the suite signs in hundreds of times (production refuses it; test_settings checks).
os.environ.setdefault("PORTAL_PASSWORD_HASH_PROFILE", "cheapest")

import httpx  # noqa: E402
import pytest  # noqa: E402
from alembic import command  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession  # noqa: E402

from api import ratelimit  # noqa: E402
from api.cli import alembic_config  # noqa: E402
from api.database import (  # noqa: E402
    Reader,
    dispose_engine,
    end_on_error,
    get_read_session,
    get_reader,
    get_session,
    make_engine,
)
from api.main import app  # noqa: E402
from api.models import Base  # noqa: E402


async def reset_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - setup, nothing else runs yet
        return
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    await reset_database(DATABASE_URL)
    await asyncio.to_thread(upgrade, DATABASE_URL)
    eng = make_engine(DATABASE_URL)
    yield eng
    await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work, and the work of every request in the test, is rolled back at the end."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        sess = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")

        async def request_session() -> AsyncIterator[AsyncSession]:
            # Like production: the test's setup is committed before the request arrives (so a failing request
            # rolls back only its own work), and each request has its own session and identity map.
            await sess.commit()
            async with AsyncSession(bind=conn, expire_on_commit=False,
                                    join_transaction_mode="create_savepoint") as req:
                try:
                    yield req
                    await req.commit()
                except BaseException as exc:
                    await end_on_error(req, exc)
                    raise

        @asynccontextmanager
        async def same_connection() -> AsyncIterator[AsyncConnection]:
            yield conn

        async def request_reader() -> AsyncIterator[Reader]:
            # Public reads outside the ORM session go to the same rolled-back connection (never inline).
            await sess.commit()
            yield Reader(conn.dialect.name, same_connection)

        app.dependency_overrides[get_session] = request_session
        app.dependency_overrides[get_read_session] = request_session
        app.dependency_overrides[get_reader] = request_reader
        try:
            yield sess
        finally:
            app.dependency_overrides.pop(get_session, None)
            app.dependency_overrides.pop(get_read_session, None)
            app.dependency_overrides.pop(get_reader, None)
            await sess.close()
            await outer.rollback()


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    ratelimit.reset_counter(ratelimit.MemoryCounter())


@pytest.fixture
async def client(session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def committing_client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """Requests run in their own real transactions (for concurrency tests); tables are emptied after.

    Nothing is overridden: the app builds its own engine, session factory and Reader from PORTAL_DATABASE_URL
    (the test database, set above) as in production; dispose_engine() drops them again afterwards."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 40001))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        await dispose_engine()
        async with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name not in MIGRATION_SEEDED:
                    await conn.execute(table.delete())


# Rows the migrations write (the State Council holiday calendar, the search synonyms); emptying them would break
# later tests.
MIGRATION_SEEDED = frozenset({"calendar_days", "calendar_years", "search_synonyms"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: sync Playwright keeps its own event loop running in this thread
    while its session fixtures live, which would clash with the async API tests."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)

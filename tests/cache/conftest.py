import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.auth.models import Role, User
from api.publiccache.middleware import response_cache
from api.publiccache.service import heads
from tests.conftest import DATABASE_URL
from tests.disclosures.conftest import Team, create_column
from tests.factories import create_org_unit, create_user

POSTGRES = DATABASE_URL.startswith("postgresql")


async def until(condition: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Poll `condition()` until true, failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def cached(committing_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its response cache on, requests committing for real; on PostgreSQL this process listens for
    change notifications as a worker does (started by the lifespan there)."""
    response_cache.max_bytes = 8 * 1024 * 1024
    response_cache.clear()
    if POSTGRES:
        heads.start(DATABASE_URL)
        await until(lambda: heads.live, what="the LISTEN connection")
    try:
        yield committing_client
    finally:
        if POSTGRES:
            await heads.stop()
        response_cache.max_bytes = 0
        response_cache.clear()


@dataclass
class AdminTeam(Team):
    admin: User | None = None


@pytest.fixture
async def team(engine: AsyncEngine, cached: httpx.AsyncClient) -> AdminTeam:
    """A committed unit, column and the three roles publishing needs, plus an admin (emptied after the test by
    committing_client)."""
    async with AsyncSession(engine, expire_on_commit=False) as s:
        root = await create_org_unit(s, code="AG")
        unit = await create_org_unit(s, "办公室", parent=root, code="BG")
        column = await create_column(s, unit)
        t = AdminTeam(unit, column, await create_user(s, unit, [Role.editor]),
                      await create_user(s, unit, [Role.reviewer]), await create_user(s, unit, [Role.secrecy_officer]),
                      admin=await create_user(s, root, [Role.admin]))
        await s.commit()
    for user in (t.editor, t.reviewer, t.secrecy, t.admin):
        assert user is not None
        t.h(user)
    return t

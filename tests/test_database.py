"""The database layer: the pool on a server database."""

import asyncio

import pytest
from sqlalchemy import text

from api.database import make_engine
from tests.conftest import DATABASE_URL


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="a server database's pool")
async def test_a_connection_the_server_closed_is_replaced_before_use():
    engine = make_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        other = make_engine(DATABASE_URL)
        async with other.connect() as admin:
            assert (await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        await other.dispose()
        await asyncio.sleep(0.2)  # the event loop reads the server's goodbye and closes the socket
        async with engine.connect() as conn:  # the pool's only connection was the dead one
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="a server database's pool")
async def test_the_pool_is_sized_from_the_settings(monkeypatch: pytest.MonkeyPatch):
    from api.config import get_settings

    monkeypatch.setattr(get_settings(), "db_pool_size", 3)
    monkeypatch.setattr(get_settings(), "db_max_overflow", 1)
    engine = make_engine(DATABASE_URL)
    try:
        held = [await engine.connect() for _ in range(4)]  # pool 3 + overflow 1
        assert engine.pool.checkedout() == 4
        with pytest.raises(TimeoutError):  # a fifth waits for one of them
            await asyncio.wait_for(engine.connect(), 0.3)
        for conn in held:
            await conn.close()
    finally:
        await engine.dispose()

"""Connection pool behaviour on a server database."""

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

"""A scratch PostgreSQL database for the benchmarks: created on first use, its schema dropped each run."""


async def _ensure_database(url: str) -> None:
    """Create the scratch database on first use (connecting to the server's `postgres` database)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from api.database import make_engine

    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = (await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": target.database})).first()
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()


async def reset(url: str) -> None:
    """Create the scratch database if needed and empty its public schema."""
    from sqlalchemy import text

    from api.database import make_engine

    await _ensure_database(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def loaded_catalogue(url: str, n: int) -> dict[str, int] | None:
    """The column ids by slug of a catalogue an earlier run loaded here (at least n items), or None."""
    from sqlalchemy import text

    from api.database import make_engine

    await _ensure_database(url)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            if not (await conn.execute(text("SELECT to_regclass('public.disclosures')"))).scalar():
                return None
            if (await conn.execute(text("SELECT count(*) FROM disclosures"))).scalar_one() < n:
                return None
            return {slug: cid for cid, slug in await conn.execute(text("SELECT id, slug FROM columns"))}
    finally:
        await engine.dispose()

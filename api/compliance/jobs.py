"""The daily radar job: once per Asia/Shanghai day, run the link check and take the snapshot the trend chart
shows. The worker's periodic ``compliance_daily`` task (api/worker.py: procrastinate on PostgreSQL, the
in-process worker on SQLite) asks every hour whether today's snapshot exists; procrastinate defers one job per
tick whatever the number of workers, and should two runs meet anyway, the second replaces the first (same day,
same counts)."""

from api.calendar.workdays import local_date
from api.compliance import links, service
from api.database import begin_write, get_sessionmaker, utcnow


async def run_once(force: bool = False) -> bool:
    """Run the link check and take the snapshot, unless today's snapshot exists (or `force`). The check reads
    first, outside any write transaction (parsing every published body, and fetching external links when an admin
    allows it, takes long at a large catalogue: on SQLite a write lock held through it would stop every publish);
    then its results and the snapshot are written in one short transaction."""
    sessions = get_sessionmaker()
    async with sessions() as reading:
        if not force and await service.has_snapshot(reading, local_date(utcnow())):
            return False
        rows = await links.collect(reading)
    async with sessions() as session:
        await begin_write(session)
        if not force and await service.has_snapshot(session, local_date(utcnow())):
            return False  # another worker got there meanwhile
        await links.store(session, rows)
        await service.take_snapshot(session)
        await session.commit()
    return True

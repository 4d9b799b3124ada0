"""The daily radar job: once per Asia/Shanghai day, run the link check and take the snapshot the trend chart
shows. A worker-lifetime task (api.tasks) looks every hour whether today's snapshot exists; with several workers
the day's row may be taken twice, and the second replaces the first (same day, same counts)."""

import asyncio

from api.calendar.workdays import local_date
from api.compliance import links, service
from api.database import begin_write, get_sessionmaker, utcnow
from api.logs import get_logger
from api.tasks import BackgroundTask

log = get_logger("api.compliance.jobs")
POLL_SECONDS = 3600
daily = BackgroundTask("compliance-daily")


async def run_once(force: bool = False) -> bool:
    """Run the link check and snapshot in one transaction, unless today's snapshot exists (or `force`)."""
    async with get_sessionmaker()() as session:
        await begin_write(session)
        if not force and await service.has_snapshot(session, local_date(utcnow())):
            return False
        await links.run(session)
        await service.take_snapshot(session)
        await session.commit()
    return True


async def loop() -> None:
    while True:
        try:
            if await run_once():
                log.info("compliance_snapshot_taken")
        except Exception:  # the radar must never take the worker down; the next hour tries again
            log.warning("compliance_daily_failed", exc_info=True)
        await asyncio.sleep(POLL_SECONDS)

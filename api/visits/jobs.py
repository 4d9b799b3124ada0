"""The worker-lifetime flush of the visit counter (see service.py): every FLUSH_SECONDS, and once at shutdown."""

import asyncio

from api.tasks import BackgroundTask
from api.visits.service import counter

FLUSH_SECONDS = 10.0
flusher = BackgroundTask("visit-flush")


async def loop() -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        await counter.flush()


async def stop() -> None:
    await flusher.stop()
    await counter.flush()

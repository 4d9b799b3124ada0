"""The visit counter's flush (see service.py): a periodic task of the job queue (``flush_visits`` in
api/worker.py) writes the counts the API processes put in Redis; the in-process worker (SQLite) writes its own
process's counts the same way. An API process with neither Redis nor an in-process worker keeps the counts in its
memory, where only it can reach them: it runs `flusher` itself. Every process flushes once more at shutdown."""

import asyncio

from api.tasks import BackgroundTask
from api.visits.service import counter

FLUSH_SECONDS = 10.0
flusher = BackgroundTask("visit-flush")


async def flush() -> None:
    await counter.flush()


async def loop() -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        await counter.flush()


async def stop() -> None:
    await flusher.stop()
    await counter.flush()

"""View counts buffered in memory and written in one batch every few seconds, so reading an item
never writes (or waits for a write lock) on the request path. A crash loses at most one interval."""

import asyncio
import time
from collections import Counter

from sqlalchemy import bindparam, update

from api.database import begin_write, get_sessionmaker
from api.disclosures.models import Disclosure
from api.logs import get_logger

log = get_logger("api.disclosures.views")


class ViewCounter:
    def __init__(self, interval_seconds: float = 5.0, max_pending: int = 1000) -> None:
        self.interval = interval_seconds
        self.max_pending = max_pending
        self.pending: Counter[int] = Counter()
        self.last_flush = time.monotonic()
        self.enabled = True
        self._flushing: set[asyncio.Task[None]] = set()

    def add(self, disclosure_id: int) -> bool:
        """Count one view; True when a flush is due (the caller schedules it after the response)."""
        if not self.enabled:
            return False
        self.pending[disclosure_id] += 1
        return len(self.pending) >= self.max_pending or time.monotonic() - self.last_flush >= self.interval

    def flush_soon(self) -> None:
        """Flush in a task of its own (a view counted outside a route, by the response cache)."""
        if self._flushing:
            return
        task = asyncio.get_running_loop().create_task(self.flush())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def flush(self) -> None:
        batch, self.pending = self.pending, Counter()
        self.last_flush = time.monotonic()
        if not batch:
            return
        try:
            async with get_sessionmaker()() as session:
                await begin_write(session)
                await session.connection()
                stmt = (update(Disclosure.__table__).where(Disclosure.__table__.c.id == bindparam("did"))  # type: ignore[arg-type]
                        .values(view_count=Disclosure.__table__.c.view_count + bindparam("n")))
                await session.execute(stmt, [{"did": k, "n": n} for k, n in batch.items()])
                await session.commit()
        except Exception:  # a lost view count must never surface as an error
            log.warning("view_count_flush_failed", items=len(batch), exc_info=True)


view_counter = ViewCounter()

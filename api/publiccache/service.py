"""What a change to public data must do so that no cached copy outlives it, and how each worker learns of it.

`changed(session)` is the one hook: any domain calls it in the transaction that changes something an anonymous
public read shows (the disclosure change log does on every append). It bumps the one-row head (its number keys
the cache on SQLite, its time is the Last-Modified of the pages the cache holds), notifies PUBLIC_CHANNEL on
PostgreSQL (delivered to every worker at commit), and drops this worker's copies the moment the commit returns,
before the writer's response is sent. Flushes, never commits.

`subscribe(fn)` lets anything else follow the same signal in this worker (a WebSub hub ping, another cache):
`fn()` runs after every change this worker commits or is notified of, and when the notifications were lost."""

import os
import uuid
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.database import ChannelFollower, Reader, utcnow
from api.logs import get_logger
from api.publiccache.models import PublicChangeHead

log = get_logger("api.publiccache")

PUBLIC_CHANNEL = "public_change"
HEAD = select(PublicChangeHead.seq, PublicChangeHead.at).where(PublicChangeHead.id == 1)
_PENDING = "publiccache_pending"
_HOOKED = "publiccache_hooked"
# Names this worker in its notifications: it dropped its copies at its own commit already, and dropping them
# again when its own notification comes back would only throw away pages cached since.
WORKER = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


async def changed(session: AsyncSession, at: datetime | None = None) -> None:
    """Record, in the caller's transaction, that public data changed (see the module docstring)."""
    at = at or utcnow()
    bump = (update(PublicChangeHead).where(PublicChangeHead.id == 1)
            .values(seq=PublicChangeHead.seq + 1, at=at).returning(PublicChangeHead.seq))
    seq = (await session.execute(bump)).scalar_one_or_none()
    if seq is None:
        session.add(PublicChangeHead(id=1, seq=1, at=at))
        await session.flush()
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(PUBLIC_CHANNEL, f"{WORKER} {seq or 1}")))
    sync = session.sync_session
    sync.info[_PENDING] = True
    if not sync.info.get(_HOOKED):
        sync.info[_HOOKED] = True
        event.listen(sync, "after_commit", _committed)
        event.listen(sync, "after_rollback", _rolled_back)


def _committed(sync: Session) -> None:
    if sync.info.pop(_PENDING, False):
        heads.changed()


def _rolled_back(sync: Session) -> None:
    sync.info.pop(_PENDING, None)


_HEAD_SQL = "SELECT seq FROM public_change_head WHERE id = 1"
_last: "weakref.WeakKeyDictionary[Reader, tuple[int, datetime | None]]" = weakref.WeakKeyDictionary()


async def read_head(reader: Reader) -> tuple[int, datetime | None]:
    """The head as committed now. On SQLite the response cache reads it on every request: its number by plain SQL
    on a kept connection (a few µs), the typed row only when the number moved since the last read."""
    raw = reader.first_sql(_HEAD_SQL)
    last = _last.get(reader)
    if raw is not None and last is not None and int(raw[0]) == last[0]:
        return last
    row = await reader.first(HEAD, quick=True)
    head = (int(row[0]), row[1]) if row else (0, None)
    if raw is not None:
        _last[reader] = head
    return head


class Heads:
    """This worker's view of the head. `generation` moves on every change this worker commits and, on
    PostgreSQL, on every notification its LISTEN connection receives; `live` says that connection is up (only
    then may a copy be trusted without reading the head; on SQLite the head itself is read, see ResponseCache)."""

    def __init__(self) -> None:
        self.generation = 0
        self._listeners: list[Callable[[], None]] = []
        self._follower = ChannelFollower(PUBLIC_CHANNEL, "public-change-listen", self.changed,
                                         accept=lambda payload: not payload.startswith(WORKER + " "))

    def subscribe(self, fn: Callable[[], None]) -> None:
        self._listeners.append(fn)

    def changed(self, *_: Any) -> None:
        self.generation += 1
        for fn in self._listeners:
            try:
                fn()
            except Exception:  # one follower failing never keeps the others (or the cache) from dropping
                log.warning("public_change_listener_failed", exc_info=True)

    def start(self, database_url: str) -> None:
        self._follower.start(database_url)

    async def stop(self) -> None:
        await self._follower.stop()

    @property
    def live(self) -> bool:
        return self._follower.live


heads = Heads()
subscribe = heads.subscribe

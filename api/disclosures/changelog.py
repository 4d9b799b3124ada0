"""The public change log mirrors replay and the feeds built on it: appending a change (under the head row's
lock, so sequence order is commit order), the cheap validators a conditional poll needs, and each worker's copy
of the feed heads on PostgreSQL. Flushes, never commits."""

import asyncio
from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.auth.models import OrgUnit
from api.database import Reader
from api.disclosures.models import Column, Disclosure, DisclosureChange, DisclosureFeedHead
from api.disclosures.states import ChangeKind, DisclosureStatus
from api.logs import get_logger
from api.tasks import BackgroundTask

log = get_logger("api.disclosures")

# Built once: a conditional poll's whole cost is this lookup, and building the statement cost as much as running it.
FEED_HEAD = select(DisclosureFeedHead.last_seq, DisclosureFeedHead.last_at).where(DisclosureFeedHead.id == 1)


async def feed_validator(reader: Reader, column_id: int | None, publisher_id: int | None
                         ) -> tuple[int, datetime | None]:
    """The last change seq and time relevant to a feed (one indexed lookup, inline on SQLite; on PostgreSQL
    from this worker's copy while its LISTEN connection is up, see FeedHeads)."""
    key = (column_id, publisher_id)
    known = feed_heads.get(key)
    if known is not None:
        return known
    generation = feed_heads.generation
    if column_id is None and publisher_id is None:
        row = await reader.first(FEED_HEAD, quick=True)
    else:
        stmt = select(DisclosureChange.seq, DisclosureChange.at)
        if column_id is not None:
            stmt = stmt.where(DisclosureChange.column_id == column_id)
        if publisher_id is not None:
            stmt = stmt.where(DisclosureChange.publisher_id == publisher_id)
        row = await reader.first(stmt.order_by(DisclosureChange.seq.desc()).limit(1), quick=True)
    head = (int(row[0]), row[1]) if row else (0, None)
    feed_heads.put(key, head, generation)
    return head


FEED_CHANNEL = "disclosure_feed"


class FeedHeads:
    """Each worker's copy of the feed heads on PostgreSQL. Every change to the log notifies FEED_CHANNEL in
    its transaction (delivered at commit), and a dedicated LISTEN connection drops the copies, so a third-party
    portal's conditional poll answers 304 without a database round trip. Only while that connection is up:
    otherwise (and on SQLite) every poll reads the head. A lookup that started before a notification is not
    kept (generation), so a copy is never older than the last notification this worker received."""

    def __init__(self) -> None:
        self._heads: dict[tuple[int | None, int | None], tuple[int, datetime | None]] = {}
        self.generation = 0
        self.live = False
        self._task = BackgroundTask("feed-heads")

    def get(self, key: tuple[int | None, int | None]) -> tuple[int, datetime | None] | None:
        return self._heads.get(key) if self.live else None

    def put(self, key: tuple[int | None, int | None], head: tuple[int, datetime | None], generation: int) -> None:
        if self.live and generation == self.generation:
            if len(self._heads) > 10_000:
                self._heads.clear()
            self._heads[key] = head

    def changed(self, *_: Any) -> None:
        self.generation += 1
        self._heads.clear()

    def start(self, database_url: str) -> None:
        self._task.start(lambda: self._listen(database_url))

    async def stop(self) -> None:
        await self._task.stop()
        self._down()

    def _down(self) -> None:
        self.live = False
        self.changed()

    async def _listen(self, database_url: str) -> None:
        import asyncpg
        from sqlalchemy.engine import make_url

        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(FEED_CHANNEL, self.changed)
                self.changed()  # whatever happened while nobody listened
                self.live = True
                while not lost.is_set():
                    with suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30)
                    if not lost.is_set():  # a silent network failure would otherwise keep old copies
                        await conn.fetchval("SELECT 1", timeout=5)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarting, a network hiccup: read the heads meanwhile, retry
                log.warning("feed_heads_listen_failed", exc_info=True)
            finally:
                self._down()
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(1)


feed_heads = FeedHeads()


FEED_COLUMNS = (Disclosure.id, Disclosure.status, Disclosure.title, Disclosure.summary, Disclosure.body_html,
                Disclosure.column_id, Disclosure.topic, Disclosure.index_no, Disclosure.doc_no, Disclosure.validity,
                Disclosure.version_no, Disclosure.first_published_at, Disclosure.updated_at, Disclosure.retracted_at,
                Disclosure.retract_reason)


async def feed_entries(reader: Reader, column_id: int | None, publisher_id: int | None,
                       limit: int = 50) -> list[Any]:
    col_alias, unit_alias = aliased(Column), aliased(OrgUnit)
    stmt = (select(*FEED_COLUMNS, col_alias.name.label("column_name"), unit_alias.name.label("publisher_name"))
            .join(col_alias, col_alias.id == Disclosure.column_id)
            .join(unit_alias, unit_alias.id == Disclosure.publisher_id)
            .where(Disclosure.status != DisclosureStatus.unpublished))
    if column_id is not None:
        stmt = stmt.where(Disclosure.column_id == column_id)
    if publisher_id is not None:
        stmt = stmt.where(Disclosure.publisher_id == publisher_id)
    return list(await reader.all(stmt.order_by(Disclosure.updated_at.desc(), Disclosure.id.desc()).limit(limit)))


async def changes(reader: Reader, since: int, limit: int, column_id: int | None,
                  publisher_id: int | None) -> tuple[list[Any], bool]:
    stmt = (select(DisclosureChange.seq, DisclosureChange.kind, DisclosureChange.disclosure_id,
                   DisclosureChange.version_no, DisclosureChange.at, Disclosure.index_no)
            .join(Disclosure, Disclosure.id == DisclosureChange.disclosure_id)
            .where(DisclosureChange.seq > since))
    if column_id is not None:
        stmt = stmt.where(DisclosureChange.column_id == column_id)
    if publisher_id is not None:
        stmt = stmt.where(DisclosureChange.publisher_id == publisher_id)
    rows = list(await reader.all(stmt.order_by(DisclosureChange.seq).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


async def record_change(session: AsyncSession, d: Disclosure, kind: ChangeKind, at: datetime) -> None:
    """Append to the change log under the head row's lock (held to commit: seq order = commit order)."""
    bump = (update(DisclosureFeedHead).where(DisclosureFeedHead.id == 1)
            .values(last_seq=DisclosureFeedHead.last_seq + 1, last_at=at).returning(DisclosureFeedHead.last_seq))
    seq = (await session.execute(bump)).scalar_one_or_none()
    if seq is None:
        session.add(DisclosureFeedHead(id=1, last_seq=1, last_at=at))
        await session.flush()
        seq = 1
    session.add(DisclosureChange(seq=seq, kind=kind, disclosure_id=d.id, column_id=d.column_id,
                                 publisher_id=d.publisher_id, version_no=d.version_no, at=at))
    await session.flush()
    if session.get_bind().dialect.name == "postgresql":  # each worker's FeedHeads drops its copies at commit
        await session.execute(select(func.pg_notify(FEED_CHANNEL, str(seq))))

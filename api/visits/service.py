"""Page views (访问量 / 浏览次数) counted without personal data and without slowing a page.

The SPA sends one small beacon per item it shows (POST /visits), never the item's GET, so a cached item
response never carries a live counter. A beacon from a bot (User-Agent rules in states.py) is not counted. A
counted view only increments a counter keyed by (day, kind, item): in Redis when PORTAL_REDIS_URL is set (one
hash shared by every API process, so the job queue's periodic ``flush_visits`` task, api/worker.py, writes them
from the worker), else in this process's memory, written by the in-process worker (SQLite) or, with no worker in
the process, by the process's own flusher (see jobs.py). A batch is written every FLUSH_SECONDS with one upsert
per row, and once more at shutdown. A crash loses at most one interval. Several flushers never overwrite each
other: the upsert adds, and a flusher takes the Redis hash by renaming it. No cookie is set and no address or
agent is stored: a row is a day, a kind, an item id and a number. Items that are not public (unknown,
unpublished, staff-only) are dropped at flush time, so the beacon cannot fill the table with made-up ids."""

import asyncio
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.calendar.workdays import local_date
from api.catalog import service as catalog
from api.complaints import service as complaints
from api.config import get_settings
from api.database import begin_write, get_sessionmaker, utcnow
from api.disclosures import service as disclosures
from api.logs import get_logger
from api.surveys import service as surveys
from api.visits.models import PageView
from api.visits.schemas import ColumnViews, DayViews, ItemViews, KindViews, VisitStats
from api.visits.states import VisitKind

log = get_logger("api.visits")
K = VisitKind
Key = tuple[date, VisitKind, int]


PENDING = "portal:visits:pending"  # "day|kind|id" → views not yet written
PENDING_ITEMS = "portal:visits:pending_items"  # "kind|id" → the same, per item (the 浏览次数 shown at once)
_clients: dict[tuple[str, int], Any] = {}


def shared() -> Any | None:
    """The Redis client of this event loop when PORTAL_REDIS_URL is set, else None."""
    url = get_settings().redis_url
    if not url:
        return None
    key = (url, id(asyncio.get_running_loop()))
    if key not in _clients:
        _clients.clear()  # a client belongs to one loop: an earlier loop's is dropped
        _clients[key] = aioredis.from_url(url)
    return _clients[key]


def _parse(raw: dict[bytes, bytes]) -> Counter[Key]:
    batch: Counter[Key] = Counter()
    for field, n in raw.items():
        day, kind, item_id = field.decode().split("|")
        batch[(date.fromisoformat(day), VisitKind(kind), int(item_id))] += int(n)
    return batch


class VisitCounter:
    def __init__(self) -> None:
        self.pending: Counter[Key] = Counter()
        self.pending_items: Counter[tuple[VisitKind, int]] = Counter()

    def add(self, kind: VisitKind, item_id: int, at: datetime | None = None) -> None:
        self.pending[(local_date(at or utcnow()), kind, item_id)] += 1
        self.pending_items[(kind, item_id)] += 1

    def unwritten(self, kind: VisitKind, item_id: int) -> int:
        return self.pending_items.get((kind, item_id), 0)

    async def count(self, kind: VisitKind, item_id: int, at: datetime | None = None) -> None:
        """Count one view: in the shared Redis hash when there is one (this process's memory if Redis fails)."""
        r = shared()
        if r is not None:
            day = local_date(at or utcnow())
            try:
                async with r.pipeline(transaction=True) as pipe:
                    pipe.hincrby(PENDING, f"{day.isoformat()}|{kind.value}|{item_id}", 1)
                    pipe.hincrby(PENDING_ITEMS, f"{kind.value}|{item_id}", 1)
                    await pipe.execute()
                return
            except RedisError:
                log.warning("visit_count_redis_failed", exc_info=True)
        self.add(kind, item_id, at)

    async def pending_views(self, kind: VisitKind, item_id: int) -> int:
        """The views of an item counted and not yet written, here and in Redis."""
        n = self.unwritten(kind, item_id)
        r = shared()
        if r is not None:
            try:
                n += int(await r.hget(PENDING_ITEMS, f"{kind.value}|{item_id}") or 0)
            except RedisError:
                pass
        return n

    async def _take_shared(self) -> tuple[Counter[Key], list[str]]:
        """Take the Redis hash (renamed away atomically, so concurrent beacons start a new one)."""
        r = shared()
        if r is None or not await r.exists(PENDING):
            return Counter(), []
        token = uuid4().hex
        keys = [f"{PENDING}:flushing:{token}", f"{PENDING_ITEMS}:flushing:{token}"]
        try:
            async with r.pipeline(transaction=True) as pipe:
                pipe.rename(PENDING, keys[0])
                pipe.rename(PENDING_ITEMS, keys[1])
                await pipe.execute()
        except ResponseError:  # another flusher took it first
            await r.delete(*keys)
            return Counter(), []
        return _parse(await r.hgetall(keys[0])), keys

    async def _give_back(self, batch: Counter[Key]) -> None:
        r = shared()
        if r is None or not batch:
            return
        async with r.pipeline(transaction=True) as pipe:
            for (day, kind, item_id), n in batch.items():
                pipe.hincrby(PENDING, f"{day.isoformat()}|{kind.value}|{item_id}", n)
                pipe.hincrby(PENDING_ITEMS, f"{kind.value}|{item_id}", n)
            await pipe.execute()

    def take(self) -> Counter[Key]:
        batch, self.pending, self.pending_items = self.pending, Counter(), Counter()
        return batch

    async def flush(self) -> None:
        """Write what was counted since the last flush (here and in Redis) in its own transaction; a failure is
        logged, not raised, and the Redis part is given back for the next flush."""
        batch = self.take()
        try:
            from_redis, keys = await self._take_shared()
        except RedisError:
            log.warning("visit_flush_redis_failed", exc_info=True)
            from_redis, keys = Counter(), []
        if not batch and not from_redis:
            return
        try:
            async with get_sessionmaker()() as session:
                await begin_write(session)
                await write_batch(session, batch + from_redis)
                await session.commit()
        except Exception:  # a lost view count must never surface as an error
            log.warning("visit_flush_failed", rows=len(batch) + len(from_redis), exc_info=True)
            try:
                await self._give_back(from_redis)
            except RedisError:
                log.warning("visit_give_back_failed", exc_info=True)
        finally:
            r = shared()
            if keys and r is not None:
                try:
                    await r.delete(*keys)
                except RedisError:
                    pass


counter = VisitCounter()


async def _public_ids(session: AsyncSession, kind: VisitKind, ids: set[int]) -> set[int]:
    if kind == K.service:
        S = catalog.Service
        stmt = select(S.id).where(S.id.in_(ids), S.is_active.is_(True))
    elif kind == K.survey:
        V = surveys.Survey
        stmt = select(V.id).where(V.id.in_(ids), V.status == surveys.SurveyStatus.published,
                                  V.audience == surveys.Audience.public)
    elif kind == K.letter:
        P = complaints.ComplaintPublication
        stmt = select(P.id).where(P.id.in_(ids), P.withdrawn_at.is_(None))
    else:
        C = surveys.Consultation
        stmt = select(C.id).where(C.id.in_(ids), C.status.in_([surveys.ConsultationStatus.open,
                                                                surveys.ConsultationStatus.closed]))
    return set((await session.execute(stmt)).scalars())


async def write_batch(session: AsyncSession, batch: Counter[Key]) -> int:
    """Add a batch of counts (the upsert adds to the day's row); returns the views written."""
    by_kind: dict[VisitKind, Counter[int]] = {}
    for (_, kind, item_id), n in batch.items():
        by_kind.setdefault(kind, Counter())[item_id] += n
    columns: dict[int, int] = {}
    allowed: dict[VisitKind, set[int]] = {}
    for kind, counts in by_kind.items():
        if kind == K.disclosure:
            columns = await disclosures.add_views(session, dict(counts))
            allowed[kind] = set(columns)
        else:
            allowed[kind] = await _public_ids(session, kind, set(counts))
    rows: list[dict[str, object]] = [
        {"day": day, "kind": kind.value, "item_id": item_id, "views": n,
         "column_id": columns.get(item_id) if kind == K.disclosure else None}
        for (day, kind, item_id), n in batch.items() if item_id in allowed.get(kind, set())]
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    ins = dialect.insert(PageView)
    stmt = ins.on_conflict_do_update(index_elements=["day", "kind", "item_id"],
                                     set_={"views": PageView.views + ins.excluded.views})
    await session.execute(stmt, rows)
    return sum(n for (_, kind, item_id), n in batch.items() if item_id in allowed.get(kind, set()))


async def views_of(session: AsyncSession, kind: VisitKind, item_id: int) -> int:
    stored = (await session.execute(select(func.coalesce(func.sum(PageView.views), 0))
                                    .where(PageView.kind == kind, PageView.item_id == item_id))).scalar()
    return int(stored or 0) + await counter.pending_views(kind, item_id)


async def _titles(session: AsyncSession, kind: VisitKind, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    if kind == K.disclosure:
        D = disclosures.Disclosure
        stmt = select(D.id, D.title).where(D.id.in_(ids))
    elif kind == K.service:
        S = catalog.Service
        stmt = select(S.id, S.name).where(S.id.in_(ids))
    elif kind == K.survey:
        V = surveys.Survey
        stmt = select(V.id, V.title).where(V.id.in_(ids))
    elif kind == K.letter:
        P = complaints.ComplaintPublication
        stmt = select(P.id, P.subject).where(P.id.in_(ids))
    else:
        C = surveys.Consultation
        stmt = select(C.id, C.title).where(C.id.in_(ids))
    return {i: t for i, t in (await session.execute(stmt)).all()}


async def stats(session: AsyncSession, date_from: date | None, date_to: date | None, top: int = 20) -> VisitStats:
    """Views per day, kind and column, and the most viewed items, between two days (default: the last 30)."""
    date_to = date_to or local_date(utcnow())
    date_from = date_from or date_to - timedelta(days=29)
    in_range = (PageView.day >= date_from, PageView.day <= date_to)
    total_views = func.sum(PageView.views)
    per_day = {d: int(n) for d, n in await session.execute(
        select(PageView.day, total_views).where(*in_range).group_by(PageView.day))}
    days = []
    d = date_from
    while d <= date_to:
        days.append(DayViews(day=d, views=per_day.get(d, 0)))
        d += timedelta(days=1)
    kinds = [KindViews(kind=k, views=int(n)) for k, n in await session.execute(
        select(PageView.kind, total_views).where(*in_range).group_by(PageView.kind).order_by(total_views.desc()))]
    Column = disclosures.Column
    columns = [ColumnViews(column_id=c, name=name, views=int(n)) for c, name, n in await session.execute(
        select(PageView.column_id, Column.name, total_views).join(Column, Column.id == PageView.column_id)
        .where(*in_range).group_by(PageView.column_id, Column.name).order_by(total_views.desc()))]
    top_rows = (await session.execute(
        select(PageView.kind, PageView.item_id, total_views).where(*in_range)
        .group_by(PageView.kind, PageView.item_id).order_by(total_views.desc(), PageView.item_id).limit(top))).all()
    titles: dict[VisitKind, dict[int, str]] = {}
    for k in VisitKind:
        titles[k] = await _titles(session, k, [r[1] for r in top_rows if r[0] == k])
    items = [ItemViews(kind=k, id=i, title=titles[K(k)].get(i, ""), views=int(n)) for k, i, n in top_rows]
    return VisitStats(date_from=date_from, date_to=date_to, total=sum(per_day.values()), days=days, kinds=kinds,
                      columns=columns, top_items=items)

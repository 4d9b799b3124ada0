"""The public change log mirrors replay and the feeds built on it: appending a change (under the head row's
lock, so sequence order is commit order), the cheap validators a conditional poll needs, and each worker's copy
of the feed heads on PostgreSQL. Flushes, never commits."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, func, literal, or_, select, true, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from api.auth.models import OrgUnit
from api.database import ChannelFollower, Reader
from api.disclosures.models import Column, Disclosure, DisclosureChange, DisclosureFeedHead
from api.disclosures.states import ChangeKind, DisclosureStatus
from api.logs import get_logger
from api.publiccache import service as publiccache
from api.websub import service as websub

log = get_logger("api.disclosures")

# Built once: a conditional poll's whole cost is this lookup, and building the statement cost as much as running it.
FEED_HEAD = select(DisclosureFeedHead.last_seq, DisclosureFeedHead.last_at).where(DisclosureFeedHead.id == 1)


@dataclass(frozen=True)
class FeedFilter:
    """What a filtered feed or change log follows. An event belongs to it when the item matches after the
    change; when the item matched before the change (the previous event's values) but no longer does, the
    filtered view shows the event as `removed`, so a filtered mirror drops the item."""

    column_id: int | None = None
    publisher_id: int | None = None
    topic: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.column_id, self.publisher_id, self.topic))

    def _pairs(self) -> list[tuple[Any, Any, Any]]:
        return [(now, before, value) for now, before, value in (
            (DisclosureChange.column_id, DisclosureChange.prev_column_id, self.column_id),
            (DisclosureChange.publisher_id, DisclosureChange.prev_publisher_id, self.publisher_id),
            (DisclosureChange.topic, DisclosureChange.prev_topic, self.topic)) if value is not None]

    def holds(self) -> ColumnElement[bool]:
        """The event's item is in the filter after the change."""
        return and_(*[now == value for now, _, value in self._pairs()])

    def departures(self) -> list[ColumnElement[bool]]:
        """One condition per filtered field k: k left the filter's value (prev_k is only set when k changed)
        while the other fields held theirs before the change. Each is a range scan on (prev_k, seq)."""
        pairs = self._pairs()
        return [and_(before_k == value_k, *[func.coalesce(before, now) == value
                                             for now, before, value in pairs if before is not before_k])
                for _, before_k, value_k in pairs]

    def _item_pairs(self) -> list[tuple[Any, Any]]:
        return [(col, value) for col, value in ((Disclosure.column_id, self.column_id),
                                                (Disclosure.publisher_id, self.publisher_id),
                                                (Disclosure.topic, self.topic)) if value is not None]

    def matches_item(self) -> ColumnElement[bool]:
        return and_(true(), *[col == value for col, value in self._item_pairs()])

    def misses_item(self) -> ColumnElement[bool]:
        return or_(*[col.is_distinct_from(value) for col, value in self._item_pairs()])

_REMOVED = literal(ChangeKind.removed.value, String(20))


def _events(f: FeedFilter, since: int, limit: int, newest: bool) -> Select[Any]:
    """The filtered log as index range scans, each bounded by `limit`: the filtered fields' current values
    (events that belong to the filter) and each field's previous value (departures, rare), merged by seq.
    An OR of them could not stop early."""
    order = DisclosureChange.seq.desc() if newest else DisclosureChange.seq
    cols = (DisclosureChange.seq, DisclosureChange.disclosure_id, DisclosureChange.version_no, DisclosureChange.at)
    parts: list[Select[*tuple[Any, ...]]] = [
        select(*cols, DisclosureChange.kind).where(DisclosureChange.seq > since, f.holds())]
    parts += [select(*cols, _REMOVED.label("kind")).where(DisclosureChange.seq > since, leaves)
              for leaves in f.departures()]
    # UNION, not UNION ALL: an event that moved two filtered fields away is one departure.
    merged = union(*[select(p.order_by(order).limit(limit).subquery()) for p in parts]).subquery("events")
    return select(merged).order_by(merged.c.seq.desc() if newest else merged.c.seq).limit(limit)


async def feed_validator(reader: Reader, f: FeedFilter, *, copy: bool = True) -> tuple[int, datetime | None]:
    """The last change seq and time relevant to a feed, departures included (indexed lookups, inline on
    SQLite; on PostgreSQL from this worker's copy while its LISTEN connection is up, see FeedHeads). `copy=False`
    reads the head itself: content rendered right after a change (a WebSub push) must not be dated by a copy
    whose notification has not arrived yet."""
    known = feed_heads.get(f) if copy else None
    if known is not None:
        return known
    generation = feed_heads.generation
    if not f:
        row = await reader.first(FEED_HEAD, quick=True)
    else:
        events = _events(f, 0, 1, newest=True).subquery()
        row = await reader.first(select(events.c.seq, events.c.at), quick=True)
    head = (int(row[0]), row[1]) if row else (0, None)
    feed_heads.put(f, head, generation)
    return head


FEED_CHANNEL = "disclosure_feed"


class FeedHeads:
    """Each worker's copy of the feed heads on PostgreSQL. Every change to the log notifies FEED_CHANNEL in
    its transaction (delivered at commit), and a dedicated LISTEN connection drops the copies, so a third-party
    portal's conditional poll answers 304 without a database round trip. Only while that connection is up:
    otherwise (and on SQLite) every poll reads the head. A lookup that started before a notification is not
    kept (generation), so a copy is never older than the last notification this worker received."""

    def __init__(self) -> None:
        self._heads: dict[FeedFilter, tuple[int, datetime | None]] = {}
        self.generation = 0
        self._follower = ChannelFollower(FEED_CHANNEL, "feed-heads", self.changed)

    def get(self, key: "FeedFilter") -> tuple[int, datetime | None] | None:
        return self._heads.get(key) if self.live else None

    def put(self, key: "FeedFilter", head: tuple[int, datetime | None], generation: int) -> None:
        if self.live and generation == self.generation:
            if len(self._heads) > 10_000:
                self._heads.clear()
            self._heads[key] = head

    def changed(self, *_: Any) -> None:
        self.generation += 1
        self._heads.clear()

    def start(self, database_url: str) -> None:
        self._follower.start(database_url)

    async def stop(self) -> None:
        await self._follower.stop()

    @property
    def live(self) -> bool:
        return self._follower.live


feed_heads = FeedHeads()


FEED_COLUMNS = (Disclosure.id, Disclosure.status, Disclosure.title, Disclosure.summary, Disclosure.body_html,
                Disclosure.column_id, Disclosure.topic, Disclosure.index_no, Disclosure.doc_no, Disclosure.validity,
                Disclosure.version_no, Disclosure.first_published_at, Disclosure.updated_at, Disclosure.retracted_at,
                Disclosure.retract_reason)


async def feed_entries(reader: Reader, f: FeedFilter, limit: int = 50) -> list[Any]:
    """The newest items of the feed (published, or retracted: a tombstone), newest first."""
    col_alias, unit_alias = aliased(Column), aliased(OrgUnit)
    stmt = (select(*FEED_COLUMNS, col_alias.name.label("column_name"), unit_alias.name.label("publisher_name"))
            .join(col_alias, col_alias.id == Disclosure.column_id)
            .join(unit_alias, unit_alias.id == Disclosure.publisher_id)
            .where(Disclosure.status != DisclosureStatus.unpublished, f.matches_item()))
    return list(await reader.all(stmt.order_by(Disclosure.updated_at.desc(), Disclosure.id.desc()).limit(limit)))


async def departures(reader: Reader, f: FeedFilter, limit: int = 50) -> list[Any]:
    """Items that left a filtered feed and are not back in it: (disclosure_id, at) of the latest departure."""
    if not f:
        return []
    events = _events(f, 0, limit, newest=True).subquery()
    stmt = (select(events.c.disclosure_id, func.max(events.c.at).label("at"))
            .join(Disclosure, Disclosure.id == events.c.disclosure_id)
            .where(events.c.kind == ChangeKind.removed.value, f.misses_item())
            .group_by(events.c.disclosure_id))
    return sorted(await reader.all(stmt), key=lambda r: (r.at, r.disclosure_id), reverse=True)


async def changes(reader: Reader, since: int, limit: int, f: FeedFilter) -> tuple[list[Any], bool]:
    """Events after `since` in commit order; with a filter, departures from it as `removed`."""
    if not f:
        events = (select(DisclosureChange.seq, DisclosureChange.disclosure_id, DisclosureChange.version_no,
                         DisclosureChange.at, DisclosureChange.kind).where(DisclosureChange.seq > since)
                  .order_by(DisclosureChange.seq).limit(limit + 1).subquery())
    else:
        events = _events(f, since, limit + 1, newest=False).subquery()
    stmt = (select(events, Disclosure.index_no).join(Disclosure, Disclosure.id == events.c.disclosure_id)
            .order_by(events.c.seq))
    rows = list(await reader.all(stmt))
    return rows[:limit], len(rows) > limit


def _moved(before: tuple[Any, ...] | None, after: tuple[Any, ...]) -> tuple[Any, ...]:
    """The previous value of each filtered field that changed, else None (a topic that was empty is "", which
    no filter asks for): the departure indexes then hold departures only."""
    if before is None:
        return (None, None, None)
    out = [b if b != a else None for b, a in zip(before, after, strict=True)]
    if before[2] is None and after[2] is not None:
        out[2] = ""
    return tuple(out)


async def record_change(session: AsyncSession, d: Disclosure, kind: ChangeKind, at: datetime) -> None:
    """Append to the change log under the head row's lock (held to commit: seq order = commit order), with
    the filtered fields as the item's previous event left them (what mirrors last saw)."""
    bump = (update(DisclosureFeedHead).where(DisclosureFeedHead.id == 1)
            .values(last_seq=DisclosureFeedHead.last_seq + 1, last_at=at).returning(DisclosureFeedHead.last_seq))
    seq = (await session.execute(bump)).scalar_one_or_none()
    if seq is None:
        session.add(DisclosureFeedHead(id=1, last_seq=1, last_at=at))
        await session.flush()
        seq = 1
    prev = (await session.execute(  # read under the head row's lock: no other event of the item is in flight
        select(DisclosureChange.column_id, DisclosureChange.publisher_id, DisclosureChange.topic)
        .where(DisclosureChange.disclosure_id == d.id).order_by(DisclosureChange.seq.desc()).limit(1))).first()
    moved = _moved(tuple(prev) if prev else None, (d.column_id, d.publisher_id, d.topic))
    session.add(DisclosureChange(seq=seq, kind=kind, disclosure_id=d.id, column_id=d.column_id,
                                 publisher_id=d.publisher_id, topic=d.topic, version_no=d.version_no, at=at,
                                 prev_column_id=moved[0], prev_publisher_id=moved[1], prev_topic=moved[2]))
    await session.flush()
    if session.get_bind().dialect.name == "postgresql":  # each worker's FeedHeads drops its copies at commit
        await session.execute(select(func.pg_notify(FEED_CHANNEL, str(seq))))
    await publiccache.changed(session, at)  # and every cached public page goes
    # the subscribers of the feeds the change concerns (filtered: the item is in or just left) are pushed it
    await websub.topics_changed(session, at=at, item=websub.Facets(d.column_id, d.publisher_id, d.topic),
                                before=websub.Facets(*prev) if prev else None)

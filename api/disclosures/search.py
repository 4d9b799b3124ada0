"""The public catalogue: published items filtered by column, publisher, topic, genre, validity and date
(keyset pages), and full-text search over them. Reads go through api.database.Reader."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from api.auth.models import OrgUnit
from api.database import Reader
from api.disclosures.models import Column, Disclosure
from api.disclosures.states import DisclosureStatus
from api.errors import ValidationFailed
from api.pagination import decode_cursor, encode_cursor, keyset_params, keyset_split, keyset_template
from api.search import synonyms
from api.search.service import (
    RANK_WINDOW,
    SearchTable,
    among,
    ids_param,
    match_params,
    newest_ids,
    ranked_matches,
)
from api.search.tokenizer import Alternative, query_groups

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEARCH = SearchTable("disclosures")


@dataclass
class ListFilters:
    column_id: int | None = None
    include_subcolumns: bool = True
    publisher_id: int | None = None
    topic: str | None = None
    genre: str | None = None
    validity: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


def _day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI)


_COLUMN_PARENTS = select(Column.id, Column.parent_id)


async def _column_ids(reader: Reader, column_id: int, subtree: bool) -> list[int]:
    rows = await reader.all(_COLUMN_PARENTS, quick=True)
    if not any(r[0] == column_id for r in rows):
        return [column_id]
    if not subtree:
        return [column_id]
    children: dict[int | None, list[int]] = {}
    for cid, parent in (tuple(r) for r in rows):
        children.setdefault(parent, []).append(cid)
    out, todo = [], [column_id]
    while todo:
        cid = todo.pop()
        out.append(cid)
        todo.extend(children.get(cid, []))
    return out


LIST_COLUMNS = (Disclosure.id, Disclosure.index_no, Disclosure.title, Disclosure.summary, Disclosure.column_id,
                Disclosure.publisher_id, Disclosure.doc_no, Disclosure.topic, Disclosure.genre,
                Disclosure.written_date, Disclosure.published_at, Disclosure.validity, Disclosure.has_attachments,
                Disclosure.status)


def _published_key(r: Any) -> tuple[Any, Any]:
    return r.published_at, r.id


def _public_list() -> Select[*tuple[Any, ...]]:
    col_alias, unit_alias = aliased(Column), aliased(OrgUnit)
    return (select(*LIST_COLUMNS, col_alias.name.label("column_name"), col_alias.slug.label("column_slug"),
                   unit_alias.name.label("publisher_name"))
            .join(col_alias, col_alias.id == Disclosure.column_id)
            .join(unit_alias, unit_alias.id == Disclosure.publisher_id)
            .where(Disclosure.status == DisclosureStatus.published))


# Built once: constructing the aliased joins cost more per request than running the query.
_PUBLIC_LIST = _public_list()
_PUBLIC_ORDER = [(Disclosure.published_at, True), (Disclosure.id, True)]
# The unfiltered catalogue (the home page, the first and every further page of the full list).
_PUBLIC_PAGES = {after: keyset_template(_PUBLIC_LIST, _PUBLIC_ORDER, after) for after in (False, True)}


def _conditions(f: ListFilters, column_ids: list[int] | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if column_ids is not None:
        out.append(Disclosure.column_id == column_ids[0] if len(column_ids) == 1
                   else Disclosure.column_id.in_(column_ids))
    if f.publisher_id is not None:
        out.append(Disclosure.publisher_id == f.publisher_id)
    if f.topic:
        out.append(Disclosure.topic == f.topic)
    if f.genre:
        out.append(Disclosure.genre == f.genre)
    if f.validity:
        out.append(Disclosure.validity == f.validity)
    if f.date_from:
        out.append(Disclosure.published_at >= _day_start(f.date_from))
    if f.date_to:
        out.append(Disclosure.published_at < _day_start(f.date_to + timedelta(days=1)))
    return out


async def list_public(reader: Reader, f: ListFilters, cursor: str | None,
                      limit: int) -> tuple[list[Any], str | None]:
    """Published items, newest first (keyset on published_at, id)."""
    column_ids = await _column_ids(reader, f.column_id, f.include_subcolumns) if f.column_id is not None else None
    conditions = _conditions(f, column_ids)
    # A keyset page walks an index from the cursor: bounded, so it may run inline (see Reader).
    page = (keyset_template(_PUBLIC_LIST.where(*conditions), _PUBLIC_ORDER, bool(cursor)) if conditions
            else _PUBLIC_PAGES[bool(cursor)])
    rows = await reader.all(page, keyset_params(_PUBLIC_ORDER, cursor, limit), quick=True)
    return keyset_split(list(rows), _published_key, limit)


# ---- search -----------------------------------------------------------------------------------

# A total is exact while the query has at most this many matches; beyond, it counts the published ones among
# the newest TOTAL_CAP + 1 and says so (total_exact = false: a lower bound), so counting costs the same at 1M.
TOTAL_CAP = 1000
# Below the rank window a page reads match ids newest first, in chunks, at most MAX_SCAN per request (a
# narrow filter on a common word may then return a short page, with a cursor to go on from).
MAX_SCAN = 2000


@dataclass
class SearchPage:
    rows: list[Any]
    next_cursor: str | None
    total: int
    total_exact: bool
    highlight: str  # the query's words and their synonyms, for <mark>


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed([{"field": "cursor", "in": "query", "message": "无效的分页游标", "type": "cursor"}])


def _ints(values: list[Any]) -> list[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31 for v in values):
        raise _bad_cursor()
    return values


def _decode(cursor: str) -> tuple[str, list[int]]:
    """("s", [low, high, older, offset]): inside the rank window; ("k", [before]): below it, by id."""
    raw = _values(cursor)
    if raw and raw[0] == "s" and len(raw) == 5:
        return "s", _ints(raw[1:])
    if raw and raw[0] == "k" and len(raw) == 2:
        return "k", _ints(raw[1:])
    raise _bad_cursor()


def _values(cursor: str) -> list[Any]:
    for width in (5, 2):
        try:
            return decode_cursor(cursor, width)
        except ValidationFailed:
            continue
    raise _bad_cursor()


async def search_public(reader: Reader, f: ListFilters, cursor: str | None, limit: int) -> SearchPage:
    """Every published match of f.q, in pages: first the newest RANK_WINDOW matches ranked (an exact 文号 or
    索引号 first, then titles holding every word, then bm25 / ts_rank_cd), then every older match newest
    first on an id keyset. The window is fixed by the first page (its bounds travel in the cursor), so
    paging neither repeats nor skips an item while others are published."""
    q = (f.q or "").strip()
    groups = query_groups(q, await synonyms.for_query(reader, q))
    highlight = " ".join(alt.text for group in groups for alt in group)
    if not groups:
        return SearchPage([], None, 0, True, highlight)
    dialect = reader.dialect
    params: dict[str, Any] = match_params(groups, dialect)
    column_ids = await _column_ids(reader, f.column_id, f.include_subcolumns) if f.column_id is not None else None
    conditions = [Disclosure.status == DisclosureStatus.published, *_conditions(f, column_ids)]
    # The newest TOTAL_CAP + 1 match ids, read from the token table newest first (see newest_ids): the count,
    # the filtered count and the rank window's bounds come from them, at the same cost at any size.
    ids = await newest_ids(reader, SEARCH, groups, TOTAL_CAP + 1)
    if not ids:
        return SearchPage([], None, 0, True, highlight)
    row = await reader.first(select(func.count()).select_from(Disclosure)
                             .where(among(Disclosure.id, "ids", dialect), *conditions),
                             {"ids": ids_param(ids, dialect)})
    matched = int(row[0]) if row else 0
    total_exact = len(ids) <= TOTAL_CAP
    total = matched if total_exact else min(matched, TOTAL_CAP)
    first = cursor is None
    if first:
        window = ids[:RANK_WINDOW]
        low, high = window[-1], window[0]
        phase, state = "s", [low, high, int(len(window) >= RANK_WINDOW), 0]
    else:
        phase, state = _decode(cursor or "")
    exact = or_(Disclosure.doc_no == q, Disclosure.index_no == q)
    rows: list[Any] = []
    next_cursor: str | None = None
    if phase == "s":
        low, high, older, offset = state
        window = [i for i in ids if low <= i <= high]
        if ids[-1] > low:  # over a thousand newer matches since the first page: read the window itself
            window = [i for i in await newest_ids(reader, SEARCH, groups, RANK_WINDOW, below=high + 1) if i >= low]
        rows = await _ranked(reader, groups, q, exact, conditions, params, low, high, window, offset, limit + 1)
        if len(rows) > limit:
            return SearchPage(rows[:limit], encode_cursor(["s", low, high, older, offset + limit]), total,
                              total_exact, highlight)
        if not older:
            return SearchPage(rows, None, total, total_exact, highlight)
        state = [low]
    more, next_cursor = await _older(reader, q, groups, conditions, state[0], limit - len(rows))
    return SearchPage(rows + more, next_cursor, total, total_exact, highlight)


def _title_holds_every_word(groups: list[list[Alternative]]) -> ColumnElement[int]:
    holds = and_(*[or_(*[Disclosure.title.icontains(alt.text, autoescape=True) for alt in group])
                   for group in groups[:8]])
    return case((holds, 0), else_=1)


async def _ranked(reader: Reader, groups: list[list[Alternative]], q: str, exact: ColumnElement[bool],
                  conditions: list[ColumnElement[bool]], params: dict[str, Any], low: int, high: int,
                  window: list[int], offset: int, n: int) -> list[Any]:
    """A page of the rank window [low, high], with exact 文号/索引号 matches from below it put first."""
    ranked = ranked_matches(SEARCH, reader.dialect)
    below = select(Disclosure.id.label("rid"), literal(0.0, Float).label("score")).where(exact, Disclosure.id < low)
    candidates = union_all(select(ranked.c.rid, ranked.c.score), below).subquery("candidates")
    stmt = (_PUBLIC_LIST.add_columns(Disclosure.body_html).join(candidates, candidates.c.rid == Disclosure.id)
            .where(*conditions)
            .order_by(case((exact, 0), else_=1), _title_holds_every_word(groups), candidates.c.score,
                      Disclosure.published_at.desc(), Disclosure.id.desc())
            .offset(offset).limit(n))
    return list(await reader.all(stmt, {**params, "low": low, "high": high, "window": window}))


async def _older(reader: Reader, q: str, groups: list[list[Alternative]], conditions: list[ColumnElement[bool]],
                 before: int, need: int) -> tuple[list[Any], str | None]:
    """Up to `need` published matches with id < before, newest first, and the cursor after them."""
    if need <= 0:
        return [], encode_cursor(["k", before])
    not_exact = and_(Disclosure.doc_no.is_distinct_from(q), Disclosure.index_no.is_distinct_from(q))
    out: list[Any] = []
    scanned = 0
    while True:
        chunk = min(max(2 * (need + 1 - len(out)), 50), MAX_SCAN)
        ids = await newest_ids(reader, SEARCH, groups, chunk, below=before)
        scanned += len(ids)
        if ids:
            out += await reader.all(
                _PUBLIC_LIST.add_columns(Disclosure.body_html)
                .where(among(Disclosure.id, "ids", reader.dialect), not_exact, *conditions)
                .order_by(Disclosure.id.desc()), {"ids": ids_param(ids, reader.dialect)})
            before = ids[-1]
        if len(out) > need:
            return out[:need], encode_cursor(["k", out[need - 1].id])
        if len(ids) < chunk:  # no older match left
            return out, None
        if scanned >= MAX_SCAN:
            return out, encode_cursor(["k", before])

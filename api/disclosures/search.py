"""The public catalogue: published items filtered by column, publisher, topic, genre, validity and date
(keyset pages), and full-text search over them. Reads go through api.database.Reader."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, literal, select
from sqlalchemy.orm import aliased

from api.auth.models import OrgUnit
from api.database import Reader
from api.disclosures.models import Column, Disclosure
from api.disclosures.states import DisclosureStatus
from api.errors import ValidationFailed
from api.pagination import decode_cursor, encode_cursor, keyset_params, keyset_split, keyset_template
from api.search.service import SearchTable, apply_match
from api.search.tokenizer import query_terms

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


async def list_public(reader: Reader, f: ListFilters, cursor: str | None,
                      limit: int) -> tuple[list[Any], str | None]:
    """Published items, newest first (keyset on published_at, id), or ranked when q is given."""
    stmt = _PUBLIC_LIST
    if f.column_id is not None:
        ids = await _column_ids(reader, f.column_id, f.include_subcolumns)
        stmt = stmt.where(Disclosure.column_id == ids[0] if len(ids) == 1 else Disclosure.column_id.in_(ids))
    if f.publisher_id is not None:
        stmt = stmt.where(Disclosure.publisher_id == f.publisher_id)
    if f.topic:
        stmt = stmt.where(Disclosure.topic == f.topic)
    if f.genre:
        stmt = stmt.where(Disclosure.genre == f.genre)
    if f.validity:
        stmt = stmt.where(Disclosure.validity == f.validity)
    if f.date_from:
        stmt = stmt.where(Disclosure.published_at >= _day_start(f.date_from))
    if f.date_to:
        stmt = stmt.where(Disclosure.published_at < _day_start(f.date_to + timedelta(days=1)))
    if f.q and f.q.strip():
        return await _search_page(reader, stmt, f.q, cursor, limit)
    # A keyset page walks an index from the cursor: bounded, so it may run inline (see Reader).
    page = _PUBLIC_PAGES[bool(cursor)] if stmt is _PUBLIC_LIST else keyset_template(stmt, _PUBLIC_ORDER, bool(cursor))
    rows = await reader.all(page, keyset_params(_PUBLIC_ORDER, cursor, limit), quick=True)
    return keyset_split(list(rows), _published_key, limit)


async def _search_page(reader: Reader, stmt: Select[Any], q: str, cursor: str | None,
                       limit: int) -> tuple[list[Any], str | None]:
    """Ranked results page by offset (ranks are floats and shift as items change; depth is small)."""
    offset = 0
    if cursor:
        values = decode_cursor(cursor, 2)
        if values[0] != "s" or not isinstance(values[1], int) or not 0 <= values[1] <= 10_000:
            raise ValidationFailed([{"field": "cursor", "in": "query", "message": "无效的分页游标", "type": "cursor"}])
        offset = values[1]
    stmt, rank, params = apply_match(stmt.add_columns(Disclosure.body_html), SEARCH, q, reader.dialect)
    # Items whose title holds every word of the query come first, then by rank (cheap: the window is small).
    terms = query_terms(q)[:8]
    title_miss = case((and_(*[Disclosure.title.icontains(t, autoescape=True) for t in terms]), 0), else_=1) \
        if terms else literal(1)
    rows = list(await reader.all(
        stmt.order_by(title_miss, rank, Disclosure.published_at.desc(), Disclosure.id.desc())
        .offset(offset).limit(limit + 1), params))
    next_cursor = encode_cursor(["s", offset + limit]) if len(rows) > limit else None
    return rows[:limit], next_cursor

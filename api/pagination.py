"""Keyset pagination: opaque cursors, a capped limit, `next_cursor` in the body and a Link header."""

import base64
import json
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import BigInteger, Integer, Select, and_, bindparam, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数（最多 100）")]
CursorParam = Annotated[str | None, Query(max_length=512, description="上一页返回的 next_cursor")]


def _enc(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"dt": v.isoformat()}
    if isinstance(v, date):
        return {"d": v.isoformat()}
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, dict) and "dt" in v:
        return datetime.fromisoformat(v["dt"])
    if isinstance(v, dict) and "d" in v:
        return date.fromisoformat(v["d"])
    return v


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_enc(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError
        return [_dec(v) for v in values]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed([{"field": "cursor", "in": "query", "message": "无效的分页游标", "type": "cursor"}])


def _check_values(order: list[tuple[Any, bool]], values: list[Any]) -> None:
    """A decoded cursor must hold one value of each key column's type (else it reaches SQL: 500 or wrong rows)."""
    for (col, _), value in zip(order, values, strict=True):
        ctype = col.type
        try:
            expected = ctype.python_type
        except NotImplementedError:
            continue
        if value is None or isinstance(value, bool) or not isinstance(value, expected):
            raise _bad_cursor()
        if isinstance(value, int):
            bits = 63 if isinstance(ctype, BigInteger) else 31
            if not -(2**bits) <= value < 2**bits:
                raise _bad_cursor()
        if isinstance(value, datetime) and value.tzinfo is None:
            raise _bad_cursor()


def _after(order: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the given (column, descending) order."""
    clauses = []
    for i, (col, desc) in enumerate(order):
        eq = [c == v for (c, _), v in zip(order[:i], values[:i], strict=True)]
        cmp = col < values[i] if desc else col > values[i]
        clauses.append(and_(*eq, cmp))
    # The implied bound on the leading column lets the database seek its index to the cursor
    # instead of scanning every earlier row (an OR of row comparisons defeats range planning).
    lead, lead_desc = order[0]
    bound = lead <= values[0] if lead_desc else lead >= values[0]
    return and_(bound, or_(*clauses)) if len(order) > 1 else or_(*clauses)


def keyset_select(stmt: Select[Any], order: list[tuple[Any, bool]], cursor: str | None,
                  limit: int) -> Select[Any]:
    """`stmt` restricted to the rows after `cursor`, ordered, with one row more than a page to see the next."""
    if cursor:
        values = decode_cursor(cursor, len(order))
        _check_values(order, values)
        stmt = stmt.where(_after(order, values))
    return stmt.order_by(*[c.desc() if d else c.asc() for c, d in order]).limit(limit + 1)


def keyset_template(stmt: Select[Any], order: list[tuple[Any, bool]], after: bool) -> Select[Any]:
    """Like keyset_select with the cursor values and the limit left as bound parameters (see keyset_params):
    built once, the same statement object serves every page, and SQLAlchemy reuses its cache key and
    compiled form instead of rebuilding both per request."""
    if after:
        stmt = stmt.where(_after(order, [bindparam(f"keyset_{i}", type_=c.type) for i, (c, _) in enumerate(order)]))
    return (stmt.order_by(*[c.desc() if d else c.asc() for c, d in order])
            .limit(bindparam("keyset_limit", type_=Integer)))


def keyset_params(order: list[tuple[Any, bool]], cursor: str | None, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {"keyset_limit": limit + 1}
    if cursor:
        values = decode_cursor(cursor, len(order))
        _check_values(order, values)
        params.update({f"keyset_{i}": v for i, v in enumerate(values)})
    return params


def keyset_split(rows: list[Any], key: Any, limit: int) -> tuple[list[Any], str | None]:
    """The page and the cursor after its last row, from the limit + 1 rows keyset_select fetched."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(list(key(rows[-1])))
    return rows, None


async def keyset_page(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    order: list[tuple[Any, bool]],
    key: Any,
    cursor: str | None,
    limit: int,
    scalars: bool = True,
) -> tuple[list[Any], str | None]:
    """`order` must end in a unique column; `key(row)` returns the row's values for those columns."""
    result = await session.execute(keyset_select(stmt, order, cursor, limit))
    return keyset_split(list(result.scalars().all() if scalars else result.all()), key, limit)


def link_header(request: Request, next_cursor: str | None) -> dict[str, str]:
    if not next_cursor:
        return {}
    return {"Link": f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'}


def set_link_header(request: Request, response: Response, next_cursor: str | None) -> None:
    response.headers.update(link_header(request, next_cursor))

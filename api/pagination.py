"""Keyset pagination: opaque cursors, a capped limit, `next_cursor` in the body and a Link header."""

import base64
import json
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import BigInteger, Select, and_, or_
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
    if cursor:
        values = decode_cursor(cursor, len(order))
        _check_values(order, values)
        stmt = stmt.where(_after(order, values))
    stmt = stmt.order_by(*[c.desc() if d else c.asc() for c, d in order]).limit(limit + 1)
    result = await session.execute(stmt)
    rows = list(result.scalars().all() if scalars else result.all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(list(key(rows[-1])))
    return rows, next_cursor


def set_link_header(request: Request, response: Response, next_cursor: str | None) -> None:
    if next_cursor:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'

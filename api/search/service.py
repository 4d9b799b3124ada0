"""Full-text match and rank over a table's token column: FTS5 on SQLite, a GIN-indexed tsvector
('simple' configuration) on PostgreSQL. A domain pages through every match: the newest RANK_WINDOW ranked
(ranked_matches), then the older ones by row id (newest_ids, in widening id ranges). The schema for both is
created by each domain's migration (see `sqlite_ddl` / `postgresql_ddl`); queries never interpolate user text
into SQL."""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, String, bindparam, column, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from api.database import Reader
from api.search.tokenizer import Alternative

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class SearchTable:
    """Where a domain keeps its tokens: `table.text_column` (both databases), the FTS5 table
    `{table}_fts` (SQLite) and the generated tsvector `{table}.search_vector` (PostgreSQL)."""

    table: str
    text_column: str = "search_text"
    id_column: str = "id"

    def __post_init__(self) -> None:
        for name in (self.table, self.text_column, self.id_column):
            if not _IDENT.match(name):
                raise ValueError(f"not a plain SQL identifier: {name!r}")

    @property
    def fts_table(self) -> str:
        return f"{self.table}_fts"


def fts5_expression(tokens: list[str]) -> str:
    """`"政务" AND "务公"`: every token quoted as an FTS5 string (a quote inside is doubled)."""
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def tsquery_expression(tokens: list[str]) -> str:
    """`'政务' & '务公'` for to_tsquery('simple', ...): lexemes quoted, quotes and backslashes escaped."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens)


def _fts5_group(group: list[Alternative]) -> str:
    alts = [fts5_expression(list(a.tokens)) for a in group]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(f"({a})" for a in alts) + ")"


def _tsquery_group(group: list[Alternative]) -> str:
    alts = [tsquery_expression(list(a.tokens)) for a in group]
    return alts[0] if len(alts) == 1 else "(" + " | ".join(f"({a})" for a in alts) + ")"


def match_params(groups: list[list[Alternative]], dialect: str) -> dict[str, str]:
    """The bound value of the match expression (see tokenizer.query_groups): `"公车" OR ("公务" AND …)`."""
    if dialect == "sqlite":
        return {"fts_q": " AND ".join(_fts5_group(g) for g in groups)}
    return {"ts_q": " & ".join(_tsquery_group(g) for g in groups)}


# Ranking costs per ranked match: bm25 over 500 matches was measured at 16–36 ms on SQLite (FTS5 detail=column,
# a bigram in ~9% of 100k items); 100 cost 1–3 ms, the same at 1M. So only the newest RANK_WINDOW matches are
# ranked; the older ones follow newest first, on rowid keysets that cost the same at any depth.
RANK_WINDOW = 100


def _match(spec: SearchTable, dialect: str) -> tuple[Any, ColumnElement[int], ColumnElement[bool], Any]:
    """(from clause, its row id, the match condition, the score: smaller is better on both databases)."""
    if dialect == "sqlite":
        fts = table(spec.fts_table, column("rowid", Integer))
        cond = literal_column(spec.fts_table).op("MATCH")(bindparam("fts_q", type_=String))
        return fts, fts.c.rowid, cond, literal_column(f"bm25({spec.fts_table})", Float)
    tsq = func.to_tsquery(literal_column("'simple'"), bindparam("ts_q", type_=String))
    src = table(spec.table, column(spec.id_column, Integer), column("search_vector"))
    return (src, src.c[spec.id_column], src.c.search_vector.op("@@")(tsq),
            -func.ts_rank_cd(src.c.search_vector, tsq, type_=Float))


@lru_cache(maxsize=32)
def matches_between(spec: SearchTable, dialect: str) -> Subquery:
    """Up to `:n` row ids (rid) of matches with `:above < rid < :below`, newest first. The id range keeps the
    statement bounded on both databases: FTS5 seeks its doclists to the range, and PostgreSQL ANDs the GIN
    bitmap with a primary-key range bitmap, so only the heap pages of matches inside the range are read
    (instead of every match's, then a sort)."""
    src, rid, cond, _ = _match(spec, dialect)
    return (select(rid.label("rid")).select_from(src)
            .where(cond, rid > bindparam("above", type_=Integer), rid < bindparam("below", type_=Integer))
            .order_by(rid.desc()).limit(bindparam("n", type_=Integer)).subquery("matches_between"))


@lru_cache(maxsize=32)
def _max_id(spec: SearchTable) -> Any:
    t = table(spec.table, column(spec.id_column, Integer))
    return select(func.max(t.c[spec.id_column]))


# The first id range a search reads below its starting point; it then widens by the density of matches seen
# (at least 4× per round), so a common word stops in the first range and a rare one reaches the oldest item
# in a handful of cheap rounds (each reads only the postings of a rare word).
FIRST_SPAN = 16_384


async def newest_ids(reader: Reader, spec: SearchTable, params: dict[str, Any], n: int,
                     below: int | None = None) -> list[int]:
    """The ids of the newest n matches with id < below (all of them when below is None), newest first."""
    if below is None:
        top = await reader.first(_max_id(spec), quick=True)
        below = int((top[0] if top else 0) or 0) + 1
    stmt = select(matches_between(spec, reader.dialect).c.rid)
    start, span = below, FIRST_SPAN
    out: list[int] = []
    while below > 1 and len(out) < n:
        above = max(below - 1 - span, 0)
        rows = await reader.all(stmt, {**params, "above": above, "below": below, "n": n - len(out)}, bitmap_only=True)
        out += [r[0] for r in rows]
        if len(out) >= n or above == 0:
            break
        below = above + 1
        seen = start - below
        span = max(4 * span, seen * (n - len(out)) // len(out) * 3 // 2) if out else 4 * span
    return out


@lru_cache(maxsize=32)
def ranked_matches(spec: SearchTable, dialect: str) -> Subquery:
    """Matches with `:low <= rid <= :high` (a rank window fixed by the first page) and their score; on
    PostgreSQL also among `:window`, the ids of the matches in that range."""
    src, rid, cond, score = _match(spec, dialect)
    where = [cond, rid >= bindparam("low", type_=Integer), rid <= bindparam("high", type_=Integer)]
    if dialect == "postgresql":
        # The window's ids (newest_ids has just read them): a rare word's window spans most of the table, and
        # the planner would walk that key range checking each row; by id, it is the window's rows only.
        where.append(rid == func.any(bindparam("window", type_=ARRAY(Integer))))
    return select(rid.label("rid"), score.label("score")).select_from(src).where(*where).subquery("ranked_matches")


def sqlite_ddl(spec: SearchTable) -> list[str]:
    """An external-content FTS5 table kept in step with the token column by triggers
    (identifiers are checked plain names from code, never user input)."""
    t, c, i, f = spec.table, spec.text_column, spec.id_column, spec.fts_table
    return [
        f"CREATE VIRTUAL TABLE {f} USING fts5({c}, content='{t}', content_rowid='{i}', "
        "tokenize='unicode61 remove_diacritics 0', detail=column)",
        f"CREATE TRIGGER {t}_fts_ai AFTER INSERT ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {f}(rowid, {c}) VALUES (new.{i}, new.{c}); END",
        f"CREATE TRIGGER {t}_fts_ad AFTER DELETE ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {f}({f}, rowid, {c}) VALUES ('delete', old.{i}, old.{c}); END",
        f"CREATE TRIGGER {t}_fts_au AFTER UPDATE OF {c} ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {f}({f}, rowid, {c}) VALUES ('delete', old.{i}, old.{c}); "
        f"INSERT INTO {f}(rowid, {c}) VALUES (new.{i}, new.{c}); END",
    ]


def sqlite_drop(spec: SearchTable) -> list[str]:
    t = spec.table
    return [f"DROP TRIGGER IF EXISTS {t}_fts_{s}" for s in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {spec.fts_table}"]


def postgresql_ddl(spec: SearchTable) -> list[str]:
    t, c = spec.table, spec.text_column
    return [
        f"ALTER TABLE {t} ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce({c}, ''))) STORED",
        f"CREATE INDEX ix_{t}_search_vector ON {t} USING gin (search_vector)",
    ]


def postgresql_drop(spec: SearchTable) -> list[str]:
    return [f"DROP INDEX IF EXISTS ix_{spec.table}_search_vector",
            f"ALTER TABLE {spec.table} DROP COLUMN IF EXISTS search_vector"]


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: the FTS5 shadow tables and the tsvector column live only in the database
    (created by migrations with dialect checks), so autogenerate and the drift test skip them."""
    if type_ == "table" and name and re.search(r"_fts(_(data|idx|content|docsize|config))?$", name):
        return False
    return not (name and name.startswith(("search_vector", "ix_")) and name.endswith("search_vector"))

"""Full-text match and rank over a table's token column: FTS5 on SQLite, a GIN-indexed tsvector
('simple' configuration) on PostgreSQL. The schema for both is created by each domain's migration
(see `sqlite_ddl` / `postgresql_ddl`); queries never interpolate user text into SQL."""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, String, bindparam, column, false, func, literal, literal_column, select, table
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select, Subquery

from api.search.tokenizer import query_tokens

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


# 500 was measured at 16–36 ms for bm25 alone on SQLite (FTS5 detail=column, a bigram in ~9% of 100k items);
# 100 costs 1–3 ms, and the same at 1M items.
MATCH_WINDOW = 100


def apply_match(stmt: Select[Any], spec: SearchTable, q: str, dialect: str,
                window: int = MATCH_WINDOW) -> tuple[Select[Any], ColumnElement[float], dict[str, str]]:
    """Restrict `stmt` (which selects from spec.table) to rows matching q; return it with a rank
    expression where smaller is better on both databases (ascending order puts the best first), and the
    parameters to execute it with.

    Only the newest `window` matches (by id) are ranked, so the cost is bounded however common
    the word: ranking every one of 100k matches for a frequent bigram would take seconds."""
    tokens = query_tokens(q)
    if not tokens:
        return stmt.where(false()), literal(0.0, Float), {}
    own_id = literal_column(f"{spec.table}.{spec.id_column}", Integer)
    matches = _matches(spec, dialect, window)
    value = fts5_expression(tokens) if dialect == "sqlite" else tsquery_expression(tokens)
    # The subquery is built once per table; only its bound value changes from query to query.
    params = {"fts_q" if dialect == "sqlite" else "ts_q": value}
    return stmt.join(matches, matches.c.rid == own_id), matches.c.score, params


@lru_cache(maxsize=32)
def _matches(spec: SearchTable, dialect: str, window: int) -> Subquery:
    if dialect == "sqlite":
        fts = table(spec.fts_table, column("rowid", Integer))
        return (select(fts.c.rowid.label("rid"), literal_column(f"bm25({spec.fts_table})", Float).label("score"))
                .select_from(fts)
                .where(literal_column(spec.fts_table).op("MATCH")(bindparam("fts_q", type_=String)))
                .order_by(fts.c.rowid.desc()).limit(window).subquery("search_matches"))
    tsq = func.to_tsquery(literal_column("'simple'"), bindparam("ts_q", type_=String))
    src = table(spec.table, column(spec.id_column, Integer), column("search_vector"))
    return (select(src.c[spec.id_column].label("rid"),
                   (-func.ts_rank_cd(src.c.search_vector, tsq, type_=Float)).label("score"))
            .where(src.c.search_vector.op("@@")(tsq))
            .order_by(src.c[spec.id_column].desc()).limit(window).subquery("search_matches"))


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

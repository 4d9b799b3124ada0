"""Full-text search over a table's token column. Which items match, newest first, comes from the table's
search-token table (an inverted index token → item ids, primary key (token, item_id), kept by triggers in the
transaction that changes the token column): `newest_ids`, a backward range read of the rarest token's postings.
The ranking of the newest RANK_WINDOW matches uses FTS5's bm25 on SQLite and a tsvector's ts_rank_cd
('simple' configuration) on PostgreSQL (`ranked_matches`). A domain pages through every match: the newest
RANK_WINDOW ranked, then the older ones by row id. The schema is created by each domain's migration; queries
never interpolate user text into SQL."""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, String, and_, bindparam, column, exists, func, literal_column, or_, select, table
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

    @property
    def token_table(self) -> str:
        return f"{self.table}_search_tokens"


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


# How far a token's postings are counted to pick the rarest one of a query (an index range read of at most
# this many entries each); any token with more is "common", and any common one may lead.
RARITY_CAP = 1000
TOKEN_LENGTH = 64  # the migration keeps each token's first 64 characters; the query cuts the same way


def _postings(spec: SearchTable) -> Any:
    return table(spec.token_table, column("token", String), column("item_id", Integer))


def _count_capped(spec: SearchTable, tokens: list[str]) -> Any:
    """One row: for each token, how many items hold it, counted up to RARITY_CAP."""
    t = _postings(spec)
    return select(*[
        select(func.count()).select_from(
            select(literal_column("1")).select_from(t).where(t.c.token == bindparam(f"c{i}", tok, type_=String))
            .limit(RARITY_CAP).subquery(f"c{i}")).scalar_subquery()
        for i, tok in enumerate(tokens)])


def _holds(spec: SearchTable, item: ColumnElement[int], token: str, name: str) -> ColumnElement[bool]:
    t = _postings(spec).alias(name)
    return exists().where(t.c.token == bindparam(name, token, type_=String), t.c.item_id == item)


def _alternative_stmt(spec: SearchTable, lead: str, others: list[str], rest: list[list[Alternative]],
                      below: int, n: int) -> Any:
    """Item ids holding `lead` (read newest first from its postings) and every other token of its alternative,
    and for each other group one of its alternatives (checked by primary-key lookups), below `below`."""
    t = _postings(spec).alias("lead")
    where: list[ColumnElement[bool]] = [t.c.token == bindparam("lead", lead, type_=String),
                                        t.c.item_id < bindparam("below", below, type_=Integer)]
    where += [_holds(spec, t.c.item_id, tok, f"o{i}") for i, tok in enumerate(others)]
    for g, group in enumerate(rest):
        where.append(or_(*[and_(*[_holds(spec, t.c.item_id, tok, f"g{g}a{a}t{k}")
                                  for k, tok in enumerate(alt.tokens)])
                           for a, alt in enumerate(group)]))
    return (select(t.c.item_id).where(*where).order_by(t.c.item_id.desc())
            .limit(bindparam("n", n, type_=Integer)))


def _cut(groups: list[list[Alternative]]) -> list[list[Alternative]]:
    return [[Alternative(a.text, tuple(dict.fromkeys(t[:TOKEN_LENGTH] for t in a.tokens))) for a in g]
            for g in groups]


async def newest_ids(reader: Reader, spec: SearchTable, groups: list[list[Alternative]], n: int,
                     below: int | None = None) -> list[int]:
    """The ids of the newest n matches of `groups` (tokenizer.query_groups: every group, one of its alternatives,
    every token of it) with id < below, newest first, from the token table. The group with the fewest postings
    leads: each of its alternatives reads its rarest token's postings backwards from `below` and checks the
    other tokens by primary key, so a page costs about n index reads whether the word is common or rare (a rare
    word's postings simply end sooner). Rarity is counted up to RARITY_CAP per token, in one statement."""
    groups = _cut(groups)
    if not groups:
        return []
    below = 2**31 - 1 if below is None else below
    tokens = list(dict.fromkeys(t for g in groups for a in g for t in a.tokens))
    counts: dict[str, int] = {tokens[0]: 0}
    if len(tokens) > 1:
        row = await reader.first(_count_capped(spec, tokens), quick=True)
        counts = dict(zip(tokens, (int(c) for c in row), strict=True)) if row else {}

    def rarest(alt: Alternative) -> str:
        return min(alt.tokens, key=lambda tok: counts.get(tok, 0))

    lead = min(range(len(groups)), key=lambda g: sum(counts.get(rarest(a), 0) for a in groups[g]))
    rest = groups[:lead] + groups[lead + 1:]
    found: set[int] = set()
    for alt in groups[lead]:
        first = rarest(alt)
        stmt = _alternative_stmt(spec, first, [t for t in alt.tokens if t != first], rest, below, n)
        # One token alone is bounded (n index entries); a conjunction may read far for tokens seldom together.
        found.update(r[0] for r in await reader.all(stmt, quick=not rest and len(alt.tokens) == 1))
    return sorted(found, reverse=True)[:n]


def among(id_column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """`id_column` is one of the ids bound as `name` (give them with ids_param): one array parameter on
    PostgreSQL, one JSON text read by json_each on SQLite. An expanding IN of a thousand ids would be rendered
    into the SQL per request (about 9 ms of Python for 1,001 ids) and, its text differing with every count,
    never reuse a prepared statement; this statement's text is the same whatever the ids."""
    if dialect == "postgresql":
        return id_column == func.any(bindparam(name, type_=ARRAY(Integer)))
    return id_column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=String))))


def ids_param(ids: list[int], dialect: str) -> Any:
    """The value of an `among` parameter."""
    return ids if dialect == "postgresql" else json.dumps(ids)


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

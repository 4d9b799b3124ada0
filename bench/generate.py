"""Bulk-load a realistic catalogue straight into the migrated schema (executemany / COPY, not the ORM)."""

import importlib.util
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.demo.disclosures import COLUMNS, PLACES, SUBJECTS, TEMPLATES, TOPICS, UNITS
from api.search.tokenizer import index_text

AGENCY = ("JGSW", "某市机关事务管理局")
# A word in five items only, whatever n: the bench's rare-word search (as fast as a common word, issue 17).
RARE_WORD = "鲟鱼"
RARE_ITEMS = 5
UNIT_CODES = ["BGS", "JHCWC", "FCGLC", "JNB", "CLGLZX", "SHFWZX", "WYGS"]
# Share of items per column, roughly like a real 信息公开目录 (news dominates).
WEIGHTS = {"gzdt": 40, "tzgg": 16, "zcwj": 8, "ghjh": 3, "rsxx": 4, "tjxx": 6, "czyjs": 2, "zfcg": 9, "zbtb": 5,
           "bszn": 3, "gzzd": 2, "jgzn": 0.2, "ldxx": 0.2, "nsjg": 0.2, "zsdw": 0.2, "jdts": 0.2}
EXTRA = ["会议强调，要进一步提高政治站位，扎实做好各项保障工作。", "下一步，将持续完善长效机制，巩固工作成效。",
         "各单位要按照职责分工，加强协调配合，确保工作按期完成。", "联系电话：0531-88880000。",
         "本次工作共涉及办公用房面积约一万二千平方米。", "活动期间共发放宣传资料三百余份，现场解答咨询五十余人次。"]
DISCLOSURE_COLUMNS = [
    "id", "index_no", "status", "column_id", "publisher_id", "title", "summary", "body_html", "doc_no", "topic",
    "genre", "written_date", "validity", "effective_date", "invalid_date", "version_no", "published_version_id",
    "has_attachments", "published_at", "first_published_at", "updated_at", "retracted_at", "retract_reason",
    "view_count", "search_text", "created_by_id", "created_at",
]


def _search_tokens_migration() -> Any:
    """The migration that creates the search-token table: its backfill statement fills the table once after the
    bulk load, instead of its trigger row by row."""
    [path] = Path(__file__).parent.parent.glob("migrations/versions/*_search_tokens.py")
    spec = importlib.util.spec_from_file_location("search_tokens_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _render(t: str, rnd: random.Random, year: int) -> str:
    return t.format(subject=rnd.choice(SUBJECTS), place=rnd.choice(PLACES), unit=rnd.choice(UNITS), year=year,
                    n=rnd.randint(3, 28), m=rnd.randint(2, 9), month=rnd.randint(1, 12))


def items(n: int, column_ids: dict[str, int], unit_ids: list[int], seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """n published items, ids ascending with publication time over the last five years."""
    rnd = random.Random(seed)
    slugs = list(WEIGHTS)
    weights = [WEIGHTS[s] for s in slugs]
    now = datetime.now(UTC).replace(microsecond=0)
    span = timedelta(days=5 * 365).total_seconds()
    seqs: dict[int, int] = {}
    for i in range(1, n + 1):
        published = now - timedelta(seconds=span * (n - i) / n + rnd.randint(0, 60))
        slug = rnd.choices(slugs, weights)[0]
        title_t, genre, body_t = rnd.choice(TEMPLATES[slug])
        year = published.year
        title = _render(title_t, rnd, year)
        body = _render(body_t, rnd, year) + rnd.choice(EXTRA)
        if i % max(1, n // RARE_ITEMS) == 0:
            body += f"本馆展出的中华{RARE_WORD}标本系依法征集。"
        seqs[year] = seqs.get(year, 0) + 1
        index_no = f"JGSW/{year}-{seqs[year]:05d}"
        doc_no = f"某机管发〔{year}〕{rnd.randint(1, 200)}号" if slug in ("zcwj", "tzgg") else None
        iso = published.isoformat()
        yield (i, index_no, "published", column_ids[slug], rnd.choice(unit_ids), title[:300], body[:80] + "…",
               f"<p>{body}</p>", doc_no, rnd.choice(TOPICS), genre, published.date().isoformat(), "valid", None, None,
               1, None, False, iso, iso, iso, None, None, rnd.randint(0, 500),
               index_text(title, title, body, doc_no, index_no), None, iso)


_TIMES = (18, 19, 20, 26)  # published_at, first_published_at, updated_at, created_at


def _sqlite_times(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Timestamps as SQLAlchemy writes them on SQLite (`2026-12-03 15:07:14.000000`, UTC): the public list orders by
    the stored text, and an ISO `T` form would sort every generated item of the day above one published through
    the API (the burst's publish would never reach the first page)."""
    r = list(row)
    for k in _TIMES:
        r[k] = datetime.fromisoformat(r[k]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return tuple(r)


def load_sqlite(path: str, n: int, batch: int = 20_000) -> dict[str, Any]:
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    cur = con.cursor()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    cur.execute("INSERT INTO org_units (id, code, name, kind, parent_id, path, sort_order, created_at) "
                "VALUES (1, ?, ?, 'agency', NULL, '/1/', 0, ?)", (*AGENCY, now))
    unit_ids = []
    for i, (code, name) in enumerate(zip(UNIT_CODES, UNITS, strict=True), start=2):
        cur.execute("INSERT INTO org_units (id, code, name, kind, parent_id, path, sort_order, created_at) "
                    "VALUES (?, ?, ?, 'department', 1, ?, ?, ?)", (i, code, name, f"/1/{i}/", i, now))
        unit_ids.append(i)
    column_ids = {}
    for i, (slug, name, freshness, home) in enumerate(COLUMNS, start=1):
        cur.execute("INSERT INTO columns (id, name, slug, owner_unit_id, freshness, is_homepage, review_levels, "
                    "sort_order, created_at) VALUES (?, ?, ?, 2, ?, ?, 1, ?, ?)",
                    (i, name, slug, freshness.value, home, i, now))
        column_ids[slug] = i
    # Index the catalogue once at the end instead of row by row through the trigger.
    trigger = cur.execute("SELECT sql FROM sqlite_master WHERE name = 'disclosures_fts_ai'").fetchone()[0]
    cur.execute("DROP TRIGGER disclosures_fts_ai")
    tokens_trigger = cur.execute("SELECT sql FROM sqlite_master WHERE name = 'disclosures_tokens_ai'").fetchone()[0]
    cur.execute("DROP TRIGGER disclosures_tokens_ai")
    sql = (f"INSERT INTO disclosures ({', '.join(DISCLOSURE_COLUMNS)}) "  # noqa: S608 - fixed column names
           f"VALUES ({', '.join('?' * len(DISCLOSURE_COLUMNS))})")
    rows: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for raw in items(n, column_ids, unit_ids):
        row = _sqlite_times(raw)
        rows.append(row)
        changes.append((row[0], "created", row[0], row[3], row[4], 1, row[18]))
        if len(rows) >= batch:
            cur.executemany(sql, rows)
            cur.executemany("INSERT INTO disclosure_changes (seq, kind, disclosure_id, column_id, publisher_id, "
                            "version_no, at) VALUES (?, ?, ?, ?, ?, ?, ?)", changes)
            rows, changes = [], []
    if rows:
        cur.executemany(sql, rows)
        cur.executemany("INSERT INTO disclosure_changes (seq, kind, disclosure_id, column_id, publisher_id, "
                        "version_no, at) VALUES (?, ?, ?, ?, ?, ?, ?)", changes)
    last_at = cur.execute("SELECT max(at) FROM disclosure_changes").fetchone()[0]
    cur.execute("INSERT INTO disclosure_feed_head (id, last_seq, last_at) VALUES (1, ?, ?)", (n, last_at))
    con.commit()
    cur.execute("INSERT INTO disclosures_fts(disclosures_fts) VALUES ('rebuild')")
    cur.execute(trigger)
    cur.execute("PRAGMA cache_size=-1000000")  # the token table's B-tree in memory while it is filled
    cur.execute(_search_tokens_migration().SQLITE_BACKFILL)
    cur.execute(tokens_trigger)
    cur.execute("ANALYZE")
    con.commit()
    con.close()
    return {"items": n, "seconds": round(time.perf_counter() - started, 1), "column_ids": column_ids}


async def load_postgresql(dsn: str, n: int, batch: int = 20_000) -> dict[str, Any]:
    import asyncpg

    started = time.perf_counter()
    con = await asyncpg.connect(dsn)
    now = datetime.now(UTC)
    await con.execute("INSERT INTO org_units (id, code, name, kind, parent_id, path, sort_order, created_at) "
                      "VALUES (1, $1, $2, 'agency', NULL, '/1/', 0, $3)", *AGENCY, now)
    unit_ids = []
    for i, (code, name) in enumerate(zip(UNIT_CODES, UNITS, strict=True), start=2):
        await con.execute("INSERT INTO org_units (id, code, name, kind, parent_id, path, sort_order, created_at) "
                          "VALUES ($1, $2, $3, 'department', 1, $4, $5, $6)", i, code, name, f"/1/{i}/", i, now)
        unit_ids.append(i)
    column_ids = {}
    for i, (slug, name, freshness, home) in enumerate(COLUMNS, start=1):
        await con.execute("INSERT INTO columns (id, name, slug, owner_unit_id, freshness, is_homepage, "
                          "review_levels, sort_order, created_at) VALUES ($1, $2, $3, 2, $4, $5, 1, $6, $7)",
                          i, name, slug, freshness.value, home, i, now)
        column_ids[slug] = i

    def typed(row: tuple[Any, ...]) -> tuple[Any, ...]:
        r = list(row)
        for k in (18, 19, 20, 26):
            r[k] = datetime.fromisoformat(r[k])
        r[11] = datetime.fromisoformat(r[11]).date()
        return tuple(r)

    # Every secondary index and the token table's key are built once after the load, each by one sort, instead of
    # row by row (the GIN index and a 150M-row random-order B-tree at 1M items would take hours that way).
    deferred = await con.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
        "AND i.tablename IN ('disclosures', 'disclosure_changes') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
    for index in deferred:
        await con.execute(f'DROP INDEX "{index["indexname"]}"')
    await con.execute("ALTER TABLE disclosures_search_tokens DROP CONSTRAINT pk_disclosures_search_tokens")
    await con.execute("ALTER TABLE disclosures DISABLE TRIGGER disclosures_search_tokens_ins")
    rows: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    last_at = now
    for row in items(n, column_ids, unit_ids):
        t = typed(row)
        rows.append(t)
        changes.append((t[0], "created", t[0], t[3], t[4], 1, t[18]))
        last_at = t[18]
        if len(rows) >= batch:
            await con.copy_records_to_table("disclosures", records=rows, columns=DISCLOSURE_COLUMNS)
            await con.copy_records_to_table("disclosure_changes", records=changes, columns=[
                "seq", "kind", "disclosure_id", "column_id", "publisher_id", "version_no", "at"])
            rows, changes = [], []
    if rows:
        await con.copy_records_to_table("disclosures", records=rows, columns=DISCLOSURE_COLUMNS)
        await con.copy_records_to_table("disclosure_changes", records=changes, columns=[
            "seq", "kind", "disclosure_id", "column_id", "publisher_id", "version_no", "at"])
    await con.execute("ALTER TABLE disclosures ENABLE TRIGGER disclosures_search_tokens_ins")
    await con.execute("SET maintenance_work_mem = '1GB'")
    for index in deferred:
        await con.execute(index["indexdef"])
    await con.execute(_search_tokens_migration().POSTGRESQL_BACKFILL)  # no key yet: ON CONFLICT finds nothing to check
    await con.execute("ALTER TABLE disclosures_search_tokens "
                      "ADD CONSTRAINT pk_disclosures_search_tokens PRIMARY KEY (token, item_id)")
    await con.execute("INSERT INTO disclosure_feed_head (id, last_seq, last_at) VALUES (1, $1, $2)", n, last_at)
    await con.execute("SELECT setval(pg_get_serial_sequence('disclosures', 'id'), $1)", n)
    await con.execute("VACUUM ANALYZE")  # the visibility map, for index-only reads of the token table
    await con.close()
    return {"items": n, "seconds": round(time.perf_counter() - started, 1), "column_ids": column_ids}

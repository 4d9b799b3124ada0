"""Migrations go up, down to base and up again, and the models do not drift from them."""

import asyncio
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from api.cli import alembic_config
from api.database import make_engine
from api.models import Base
from api.search.service import include_object
from tests.conftest import DATABASE_URL, downgrade, upgrade


async def tables(url: str) -> set[str]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def round_trip(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    assert {"users", "audit_records", "alembic_version"} <= await tables(url)
    await asyncio.to_thread(downgrade, url, "base")
    assert await tables(url) <= {"alembic_version"}
    await asyncio.to_thread(upgrade, url)
    assert {t.name for t in Base.metadata.sorted_tables} <= await tables(url)


class TestUpgradeDowngrade:
    async def test_round_trip_on_sqlite(self, tmp_path):
        await round_trip(f"sqlite+aiosqlite:///{tmp_path / 'mig.db'}")

    @pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="needs TEST_DATABASE_URL on PostgreSQL")
    async def test_round_trip_on_postgresql(self):
        base = make_url(DATABASE_URL)
        name = f"{base.database}_mig_{uuid.uuid4().hex[:8]}"
        admin = make_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            await round_trip(base.set(database=name).render_as_string(hide_password=False))
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await admin.dispose()


class TestNoDrift:
    async def test_models_match_the_migrated_schema(self, engine):
        def diff(sync_conn):
            opts = {"compare_type": True, "include_object": include_object}
            return compare_metadata(MigrationContext.configure(sync_conn, opts=opts), Base.metadata)

        async with engine.connect() as conn:
            changes = await conn.run_sync(diff)
        assert changes == [], f"models and migrations differ (write a migration): {changes}"


class TestFileOrder:
    def test_file_names_sort_in_revision_chain_order(self):
        """Reading migrations/versions top to bottom is reading the chain from base to head: one line, no
        branch, each file dated after the one it revises."""
        script = ScriptDirectory.from_config(alembic_config())
        assert len(script.get_heads()) == 1
        chain = [Path(rev.path).name for rev in reversed(list(script.walk_revisions()))]
        assert chain == sorted(chain)


class TestComplaintRemindersMoveToTheKernel:
    def test_sent_reminders_are_kept_for_the_current_deadline(self, tmp_path):
        """cr01 moves complaint_reminders into case_reminders, keyed by the clock's deadline instant; a reminder
        for a deadline that has since moved is dropped (the kernel would never look for it)."""
        import sqlite3

        url = f"sqlite+aiosqlite:///{tmp_path / 'cr.db'}"
        upgrade(url, "sr01")
        con = sqlite3.connect(tmp_path / "cr.db")  # foreign keys off: the letters need no mailbox behind them
        required = [(name, kind) for _, name, kind, notnull, default, pk in con.execute(
            "PRAGMA table_info(complaints)") if notnull and default is None and not pk]
        filler = {"INTEGER": 1, "BOOLEAN": 0, "DATE": "2026-03-02", "DATETIME": "2026-03-02 02:00:00.000000"}
        for cid in (7, 8):
            values = [f"XF{cid}" if name == "tracking_no" else filler.get(kind, "x") for name, kind in required]
            con.execute(f"INSERT INTO complaints (id, {', '.join(n for n, _ in required)}) "  # noqa: S608
                        f"VALUES ({cid}{', ?' * len(required)})", values)
        con.executemany("INSERT INTO deadline_clocks (case_type, case_id, period_days, extended_days, start_date, "
                        "started_at, paused_days, status, deadline_at) VALUES (?, ?, 10, 0, '2026-03-02', "
                        "'2026-03-02 02:00:00.000000', 0, 'running', ?)",
                        [("complaint", 7, "2026-03-16 15:59:59.000000"),
                         ("complaint_reopened", 8, "2026-04-20 15:59:59.000000")])
        con.executemany("INSERT INTO complaint_reminders (complaint_id, kind, deadline_date, sent_at, recipients) "
                        "VALUES (?, ?, ?, '2026-03-11 02:00:00.000000', ?)",
                        [(7, "due_soon", "2026-03-16", 1), (7, "overdue", "2026-03-16", 2),
                         (8, "due_soon", "2026-04-20", 3), (8, "due_soon", "2026-04-01", 1)])
        con.commit()
        upgrade(url, "cr01")
        rows = con.execute("SELECT case_type, case_id, kind, deadline_at, recipients FROM case_reminders "
                           "ORDER BY case_id, kind").fetchall()
        assert rows == [("complaint", 7, "due_soon", "2026-03-16 15:59:59.000000", 1),
                        ("complaint", 7, "overdue", "2026-03-16 15:59:59.000000", 2),
                        ("complaint_reopened", 8, "due_soon", "2026-04-20 15:59:59.000000", 3)]
        assert con.execute("SELECT name FROM sqlite_master WHERE name = 'complaint_reminders'").fetchall() == []
        downgrade(url, "sr01")
        assert con.execute("SELECT complaint_id, kind, deadline_date FROM complaint_reminders ORDER BY id").fetchall(
        ) == [(7, "due_soon", "2026-03-16"), (7, "overdue", "2026-03-16"), (8, "due_soon", "2026-04-20")]
        assert con.execute("SELECT count(*) FROM case_reminders").fetchone() == (0,)
        con.close()

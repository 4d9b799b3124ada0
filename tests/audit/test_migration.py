"""Migration 0011 re-links the records of the unkeyed chain under the audit key, and will not seal over a chain
that is already broken."""

import asyncio
import hashlib
import json
from datetime import UTC, datetime

import pytest
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.database import make_engine
from tests.conftest import downgrade, upgrade

GENESIS = "0" * 64


def plain_link(prev: str, row: dict) -> str:
    """The link of the chain before it was keyed."""
    payload = {**row, "occurred_at": row["occurred_at"].isoformat(timespec="microseconds")}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


async def legacy_database(url: str, n: int, break_at: int | None = None) -> None:
    await asyncio.to_thread(upgrade, url, "0010")
    engine = make_engine(url)
    prev = GENESIS
    async with engine.begin() as conn:
        for i in range(1, n + 1):
            row = {"id": i, "occurred_at": datetime(2026, 11, 30, 8, 0, i, 1234, tzinfo=UTC), "actor_id": None,
                   "actor_name": "系统", "actor_role": "system", "action": "test.legacy", "object_type": "system",
                   "object_id": str(i), "summary": {"n": i}, "ip": None, "request_id": None}
            link = plain_link(prev, row)
            if i == break_at:
                row["summary"] = {"n": -1}  # changed after it was linked
            await conn.execute(text(
                "INSERT INTO audit_records (id, occurred_at, actor_id, actor_name, actor_role, action, object_type,"
                " object_id, summary, ip, request_id, prev_hash, hash) VALUES (:id, :occurred_at, :actor_id,"
                " :actor_name, :actor_role, :action, :object_type, :object_id, :summary, :ip, :request_id, :prev,"
                " :hash)"), {**row, "occurred_at": row["occurred_at"].strftime("%Y-%m-%d %H:%M:%S.%f"),
                             "summary": json.dumps(row["summary"]), "prev": prev, "hash": link})
            prev = link
        await conn.execute(text("INSERT INTO audit_head (id, last_id, last_hash, count) VALUES (1, :n, :h, :n)"),
                           {"n": n, "h": prev})
    await engine.dispose()


async def test_an_intact_unkeyed_chain_is_relinked_under_the_key(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'legacy.db'}"
    await legacy_database(url, 4)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with AsyncSession(engine) as s:
            report = await audit.verify_chain(s)
            keys = {r.key_id for r in await audit.entries(s)}
    finally:
        await engine.dispose()
    assert (report.ok, report.checked) == (True, 4), report
    assert len(keys) == 1 and None not in keys


async def test_a_broken_unkeyed_chain_is_not_sealed_over(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'broken.db'}"
    await legacy_database(url, 4, break_at=3)
    with pytest.raises((RuntimeError, CommandError), match="broken at record 3"):
        await asyncio.to_thread(upgrade, url)


async def test_downgrade_restores_the_unkeyed_links(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'down.db'}"
    await legacy_database(url, 3)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            before = (await conn.execute(text("SELECT id, prev_hash, hash FROM audit_records ORDER BY id"))).all()
        await asyncio.to_thread(upgrade, url)
        await asyncio.to_thread(downgrade, url, "0010")
        async with engine.connect() as conn:
            after = (await conn.execute(text("SELECT id, prev_hash, hash FROM audit_records ORDER BY id"))).all()
    finally:
        await engine.dispose()
    assert after == before


async def test_rows_waiting_in_the_outbox_at_upgrade_are_chained_as_genuine(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'waiting.db'}"
    await asyncio.to_thread(upgrade, url, "0014")
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO audit_outbox (occurred_at, actor_name, action, object_type, object_id, summary)"
                " VALUES ('2026-12-03 09:00:00.000001', '系统', 'test.waiting', 'system', '1', '{\"n\": 1}')"))
        await asyncio.to_thread(upgrade, url)
        async with AsyncSession(engine) as s:
            actions = [r.action for r in await audit.entries(s)]
    finally:
        await engine.dispose()
    assert actions == ["test.waiting"]

"""Stored complaints are rewritten to the glossary's words (and back on downgrade)."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.database import make_engine
from tests.conftest import DATABASE_URL, downgrade, upgrade

ROWS = [
    "INSERT INTO org_units (id, code, name, kind, path, sort_order, created_at) "
    "VALUES (1, 'BGS', '办公室', 'department', '/1/', 0, '2026-03-02 02:00:00')",
    "INSERT INTO mailboxes (id, code, name, description, default_kind, owner_unit_id, reply_days, is_active, "
    "sort_order, created_at) VALUES (1, 'director', '局长信箱', '', 'letter', 1, 10, true, 0, '2026-03-02 02:00:00')",
    "INSERT INTO complaints (id, tracking_no, query_code_hash, mailbox_id, kind, subject, body, consent_publish, "
    "status, reopen_count, submitted_at, updated_at, reject_reason) VALUES (1, 'XF1', 'x', 1, 'letter', 's', 'b', "
    "false, 'rejected', 0, '2026-03-02 02:00:00', '2026-03-02 02:00:00', 'spam')",
    "INSERT INTO complaints (id, tracking_no, query_code_hash, mailbox_id, kind, subject, body, consent_publish, "
    "status, reopen_count, submitted_at, updated_at, closed_at) VALUES (2, 'XF2', 'x', 1, 'letter', 's', 'b', "
    "false, 'closed', 0, '2026-03-02 02:00:00', '2026-03-02 02:00:00', '2026-03-02 02:00:00')",
    "INSERT INTO complaint_events (complaint_id, action, from_status, to_status, actor_name, public, at) "
    "VALUES (1, 'reject', 'submitted', 'rejected', 'x', true, '2026-03-02 02:00:00')",
    "INSERT INTO complaint_events (complaint_id, action, from_status, to_status, actor_name, public, at) "
    "VALUES (2, 'auto_close', 'replied', 'closed', 'x', true, '2026-03-02 02:00:00')",
]


@pytest.fixture
async def scratch_url(tmp_path) -> AsyncIterator[str]:
    if not DATABASE_URL.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'vocabulary.db'}"
        return
    base = make_url(DATABASE_URL)
    name = f"{base.database}_voc_{uuid.uuid4().hex[:8]}"
    admin = make_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()


async def _run(url: str, *statements: str) -> list[list[tuple]]:
    engine = make_engine(url)
    selected = []
    async with engine.begin() as conn:
        for statement in statements:
            result = await conn.execute(text(statement))
            if statement.startswith("SELECT"):
                selected.append([tuple(r) for r in result.all()])
    await engine.dispose()
    return selected


class TestVocabularyMigration:
    async def test_not_accepted_and_completed_replace_rejected_and_closed(self, scratch_url):
        await asyncio.to_thread(upgrade, scratch_url, "0006")
        await _run(scratch_url, *ROWS)
        await asyncio.to_thread(upgrade, scratch_url, "0007")
        cases, events = await _run(
            scratch_url, "SELECT status, not_accept_reason, completed_at IS NOT NULL FROM complaints ORDER BY id",
            "SELECT action, from_status, to_status FROM complaint_events ORDER BY complaint_id")
        assert cases == [("not_accepted", "spam", False), ("completed", None, True)]
        assert events == [("not_accept", "submitted", "not_accepted"), ("auto_complete", "replied", "completed")]

    async def test_downgrade_restores_the_old_words(self, scratch_url):
        await asyncio.to_thread(upgrade, scratch_url, "0006")
        await _run(scratch_url, *ROWS)
        await asyncio.to_thread(upgrade, scratch_url, "0007")
        await asyncio.to_thread(downgrade, scratch_url, "0006")
        cases, events = await _run(scratch_url, "SELECT status, reject_reason FROM complaints ORDER BY id",
                                   "SELECT action, to_status FROM complaint_events ORDER BY complaint_id")
        assert cases == [("rejected", "spam"), ("closed", None)]
        assert events == [("reject", "rejected"), ("auto_close", "closed")]


class TestIdempotencyOwnerMigration:
    async def test_an_anonymous_writers_key_keeps_its_owner_and_its_seal(self, scratch_url):
        await asyncio.to_thread(upgrade, scratch_url, "0013")
        await _run(scratch_url, "INSERT INTO idempotency_keys (client_hash, key, scope, request_hash, state, "
                                "response_body, created_at) VALUES ('abc', 'sha256:k', 'POST /complaints', 'h', "
                                "'done', '{\"sealed\": \"x\"}', '2026-03-02 02:00:00')")
        await asyncio.to_thread(upgrade, scratch_url, "0014")
        (rows,) = await _run(scratch_url, "SELECT owner, user_id, sealed, key FROM idempotency_keys")
        assert [(owner, user_id, bool(sealed), key) for owner, user_id, sealed, key in rows] == [
            ("ip:abc", None, True, "sha256:k")]

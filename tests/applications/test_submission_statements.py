"""The submission's round trips on PostgreSQL: the case, its event, approvals, notification and stored response
are one statement (api/applications/submission.py)."""

from typing import Any

import pytest
from sqlalchemy import event

from tests.applications.helpers import submit
from tests.conftest import DATABASE_URL


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="data-modifying CTEs are PostgreSQL's")
async def test_a_keyed_submission_takes_four_statements_and_the_audit_records(client, session, world):
    await submit(client, world.citizen, **{"Idempotency-Key": "warm"})  # the service is cached after this
    seen: list[str] = []
    sync_engine = session.bind.engine.sync_engine

    def count(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            seen.append(statement)

    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        r = await submit(client, world.citizen, **{"Idempotency-Key": "counted"})
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert r.status_code == 201, r.text
    # the principal, the claim, the numbers and the write; the audit record is api/audit's (chained at commit in
    # the tests, an outbox row flushed with COMMIT in production on PostgreSQL)
    ours = [s for s in seen if "audit_" not in s.split("(", 1)[0]]
    assert len(ours) == 4, "\n\n".join(ours)
    write = next(s for s in seen if "INSERT INTO applications" in s)
    for table in ("application_events", "approvals", "notifications", "UPDATE idempotency_keys"):
        assert table in write


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="data-modifying CTEs are PostgreSQL's")
async def test_the_write_is_compiled_once_and_then_reused(client, session, world):
    """A statement without a cache key (e.g. a multi-row VALUES insert) is compiled again on every submission;
    one from SQLAlchemy's compiled cache runs the same Compiled object each time."""
    compiled: list[Any] = []
    sync_engine = session.bind.engine.sync_engine

    def keep(_conn: Any, _cur: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if "INSERT INTO applications" in statement:
            assert "approvals" in statement  # two approving units: several rows within the one write
            compiled.append(context.compiled)

    event.listen(sync_engine, "before_cursor_execute", keep)
    try:
        for key in ("first", "second", "third"):
            r = await submit(client, world.citizen, **{"Idempotency-Key": key})
            assert r.status_code == 201, r.text
    finally:
        event.remove(sync_engine, "before_cursor_execute", keep)
    assert len(compiled) == 3
    assert compiled[1] is compiled[2]

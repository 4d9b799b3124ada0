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

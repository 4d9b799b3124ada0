"""The database layer: the pool on a server database, and writing new rows together."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.models import Application, ApplicationEvent, Approval
from api.auth.models import Role, RoleGrant, User
from api.catalog.models import ServiceVersion
from api.database import insert_pending, make_engine, utcnow
from api.notifications.models import Notification
from tests.applications.conftest import create_service
from tests.conftest import DATABASE_URL
from tests.factories import create_org_unit, create_user


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="a server database's pool")
async def test_a_connection_the_server_closed_is_replaced_before_use():
    engine = make_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        other = make_engine(DATABASE_URL)
        async with other.connect() as admin:
            assert (await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        await other.dispose()
        await asyncio.sleep(0.2)  # the event loop reads the server's goodbye and closes the socket
        async with engine.connect() as conn:  # the pool's only connection was the dead one
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="a server database's pool")
async def test_the_pool_is_sized_from_the_settings(monkeypatch: pytest.MonkeyPatch):
    from api.config import get_settings

    monkeypatch.setattr(get_settings(), "db_pool_size", 3)
    monkeypatch.setattr(get_settings(), "db_max_overflow", 1)
    engine = make_engine(DATABASE_URL)
    try:
        held = [await engine.connect() for _ in range(4)]  # pool 3 + overflow 1
        assert engine.pool.checkedout() == 4
        with pytest.raises(TimeoutError):  # a fifth waits for one of them
            await asyncio.wait_for(engine.connect(), 0.3)
        for conn in held:
            await conn.close()
    finally:
        await engine.dispose()


# --- insert_pending: a request's new rows in one statement ------------------------------------------


def _count_statements(session: AsyncSession) -> list[str]:
    seen: list[str] = []

    @event.listens_for(session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind,
                       "before_cursor_execute")
    def _seen(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):  # the test session's own nesting
            seen.append(statement)

    return seen


async def _rows(session: AsyncSession, sql: str, **params: Any) -> list[Any]:
    return list((await session.execute(text(sql), params)).all())


async def test_new_rows_that_refer_to_each_other_are_written_together(session: AsyncSession):
    """A case with a reserved key, its approval and its event: on PostgreSQL one statement (the foreign keys
    are checked at its end), elsewhere the unit of work; either way the objects come back persistent, with
    their keys, defaults and NULLs loaded, and JSON None written as the unit of work writes it."""
    unit = await create_org_unit(session)
    user = await create_user(session, username="insert-pending-user")
    service = await create_service(session, unit, code="INSPEND")
    version = (await session.execute(select(ServiceVersion).where(ServiceVersion.service_id == service.id))
               ).scalar_one()
    app_id = None
    if session.get_bind().dialect.name == "postgresql":
        app_id = (await session.execute(text("SELECT nextval(pg_get_serial_sequence('applications', 'id'))"))
                  ).scalar_one()
    app = Application(id=app_id, tracking_no="SQ1999-000001", service_id=service.id, service_version_id=version.id,
                      applicant_id=user.id, owner_unit_id=unit.id, status="submitted", data={"a": "甲"})
    session.add(app)
    if app.id is None:
        await session.flush()
    session.add(Approval(application_id=app.id, org_unit_id=unit.id))
    session.add(ApplicationEvent(application_id=app.id, action="submit", to_status="submitted", actor_id=user.id,
                                 actor_name="某人", detail=None))
    seen = _count_statements(session)
    await insert_pending(session)

    assert not session.new and not session.dirty
    if app_id is not None:
        assert len(seen) == 1 and seen[0].startswith("WITH")
    approval = (await session.execute(select(Approval).where(Approval.application_id == app.id))).scalar_one()
    event_ = (await session.execute(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id))
              ).scalar_one()
    assert approval.id and approval.decision == "pending" and approval.note is None  # defaults and NULLs loaded
    assert app.version == 1 and app.submitted_at is not None and app.reason is None
    # Unset JSON is SQL NULL, an explicit None is JSON null: what session.flush() writes.
    raw = await _rows(session, "SELECT supplement_request IS NULL FROM applications WHERE id = :i", i=app.id)
    assert raw == [(True,)]
    raw = await _rows(session, "SELECT detail IS NULL FROM application_events WHERE id = :i", i=event_.id)
    assert raw == [(False,)]
    # Persistent, not pending: a change is an UPDATE checked against the version.
    app.status = "accepted"
    await session.flush()
    assert app.version == 2
    assert await _rows(session, "SELECT status FROM applications WHERE id = :i", i=app.id) == [("accepted",)]


async def test_a_new_object_with_a_relationship_set_takes_the_unit_of_work(session: AsyncSession):
    unit = await create_org_unit(session)
    user = await create_user(session, username="insert-pending-grant")
    grant = RoleGrant(user_id=user.id, role=Role.handler, org_unit=unit)  # the key comes from the relationship
    session.add(grant)
    await insert_pending(session)
    assert grant.id is not None and grant.org_unit_id == unit.id
    assert await _rows(session, "SELECT org_unit_id FROM role_grants WHERE id = :i", i=grant.id) == [(unit.id,)]


async def test_a_failed_insert_writes_nothing(session: AsyncSession):
    user_id = (await create_user(session, username="insert-pending-fk")).id
    await session.commit()
    session.add(Notification(user_id=user_id, title="会写入吗", body=""))
    session.add(Notification(user_id=10**9, title="不存在的用户", body=""))  # a foreign key that fails
    with pytest.raises(IntegrityError):
        await insert_pending(session)
    await session.rollback()
    assert await _rows(session, "SELECT count(*) FROM notifications WHERE user_id = :u", u=user_id) == [(0,)]


async def test_new_rows_rolled_back_become_transient_again(session: AsyncSession):
    """As after a flush: persistent in the session until the transaction rolls back, then transient."""
    user_id = (await create_user(session, username="insert-pending-rollback")).id
    await session.commit()
    note = Notification(user_id=user_id, title="回滚", body="")
    session.add(note)
    await insert_pending(session)
    assert sa_inspect(note).persistent and note in session and note.read_at is None
    await session.rollback()
    assert sa_inspect(note).transient and note not in session


async def test_further_statements_go_with_the_new_rows(session: AsyncSession):
    """insert_pending(also=...): an UPDATE written in the same statement as the INSERTs on PostgreSQL."""
    user_id = (await create_user(session, username="insert-pending-also")).id
    await session.commit()
    rename = update(User).where(User.id == bindparam("also_user")).values(
        display_name=bindparam("also_name"), updated_at=bindparam("also_at"))
    session.add(Notification(user_id=user_id, title="同一语句", body=""))
    seen = _count_statements(session)
    await insert_pending(session, also=[(rename, {"also_user": user_id, "also_name": "改名后", "also_at": utcnow()})])
    if session.get_bind().dialect.name == "postgresql":
        assert len(seen) == 1 and seen[0].startswith("WITH")
    assert await _rows(session, "SELECT display_name FROM users WHERE id = :u", u=user_id) == [("改名后",)]
    assert await _rows(session, "SELECT count(*) FROM notifications WHERE user_id = :u", u=user_id) == [(1,)]


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="the one-statement write is PostgreSQL's")
async def test_a_further_statement_that_leaves_a_python_default_unset_is_refused(session: AsyncSession):
    """Inside a CTE nobody computes onupdate=utcnow: better refused than a NULL (or a NOT NULL error)."""
    user_id = (await create_user(session, username="insert-pending-onupdate")).id
    rename = update(User).where(User.id == bindparam("also_user")).values(display_name=bindparam("also_name"))
    session.add(Notification(user_id=user_id, title="不会写入", body=""))
    with pytest.raises(ValueError, match="updated_at"):
        await insert_pending(session, also=[(rename, {"also_user": user_id, "also_name": "改名"})])

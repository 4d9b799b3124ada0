"""Submitting an application: the portal's hot write path.

受理编号 are SQ{year}-{seq:06d}, numbered per Shanghai calendar year and never handed out twice (a failed
submission leaves a gap: the numbers are unique, not gapless).

On PostgreSQL each year has a sequence, `application_tracking_<year>`, made ahead of time: the migration that
introduced them creates this year's and the next ten, and `python -m api.cli tracking-sequences` (run at
every deployment and yearly, e.g. from cron in December) creates any missing ones for the coming years. A
request never runs DDL, so the database role needs no CREATE rights and the migrated schema holds every object
the code uses. A sequence rather than a counter row per year (`UPDATE … RETURNING`): nextval never waits for
another transaction, while a counter row stays locked until each taker commits, fsync included, which
serialized every submission and capped throughput under load. Should a year's sequence be missing anyway,
submissions answer 503 `tracking_sequence_missing`, naming the command. SQLite serializes writers anyway: there
the year's row in application_counters is upserted in the request's transaction.

The write itself is explicit SQLAlchemy Core, not the unit of work: on PostgreSQL one statement of
data-modifying CTEs writes the case, its first event, the departments' approvals, the applicant's notification
and the response stored under the Idempotency-Key; foreign keys between them are checked at the end of the
statement. Their keys come beforehand from the numbering statement, so the 201 body is rendered from what is
about to be written (nothing is read back) and stored with it. A keyed submission takes seven round trips:
BEGIN, the principal, the idempotency claim, the numbers (tracking number, the two keys, the service's stamp),
the write, and COMMIT, which flushes the audit record api/audit added to the session (one INSERT)."""

import functools
from dataclasses import dataclass
from typing import Any, cast

from fastapi import UploadFile
from sqlalchemy import (
    Executable,
    Integer,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.applications.access import person
from api.applications.exceptions import ServiceChanging, TrackingSequenceMissing
from api.applications.models import Application, ApplicationEvent, Approval, TrackingCounter
from api.applications.schemas import ApplicationCreate
from api.applications.states import APPLICATION, Decision
from api.applications.views import MATERIAL_OWNER, Parts, actions, render
from api.auth.principal import Principal
from api.calendar.workdays import local_date
from api.cases import service as cases
from api.catalog import service as catalog
from api.database import UTCDateTime, utcnow
from api.errors import ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.idempotency import service as idempotency
from api.notifications.models import Notification

UPLOAD_OWNER = "application_upload"  # uploaded by a user, not yet part of an application
# What a new case's rows set; every other column starts NULL.
APPLICATION_COLUMNS = ("tracking_no", "service_id", "service_version_id", "applicant_id", "owner_unit_id", "status",
                       "data", "submitted_at", "updated_at", "version")
EVENT_COLUMNS = ("application_id", "action", "from_status", "to_status", "actor_id", "actor_name", "actor_role",
                 "note", "detail", "created_at")
APPROVAL_COLUMNS = ("application_id", "org_unit_id", "decision")
NOTIFICATION_COLUMNS = ("user_id", "kind", "title", "body", "link", "object_type", "object_id", "event",
                        "created_at")


def sequence_name(year: int) -> str:
    return f"application_tracking_{int(year)}"


async def create_tracking_sequences(conn: AsyncConnection, years: int = 10) -> list[int]:
    """Create the missing PostgreSQL sequences for this year and the next `years` (the job behind
    `python -m api.cli tracking-sequences`; needs CREATE rights, unlike the requests). A year that was numbered
    by the counter table (SQLite's, or a database from before the sequences) continues after its last number.
    Returns the years created; nothing to do on SQLite."""
    if conn.dialect.name != "postgresql":
        return []
    first = local_date(utcnow()).year
    created = []
    for year in range(first, first + years + 1):
        if (await conn.execute(select(func.to_regclass(literal_column(f"'{sequence_name(year)}'"))))).scalar():
            continue
        last = (await conn.execute(select(TrackingCounter.last).where(TrackingCounter.year == year))).scalar()
        await conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(year)} START WITH {int(last or 0) + 1}"))
        created.append(year)
    return created


def tracking_no(year: int, seq: int) -> str:
    return f"SQ{year}-{seq:06d}"


@dataclass(frozen=True)
class _Numbers:
    tracking_no: str
    app_id: int | None  # PostgreSQL: reserved keys; SQLite: assigned by the INSERTs
    event_id: int | None


@functools.cache
def _pg_numbers(year: int) -> Executable:
    """The year's next number and two reserved keys, taken only while the service's stamp is the expected one
    (CASE evaluates lazily); `unchanged` tells a changed service from a missing sequence (nextval of NULL)."""
    current = select(catalog.STAMP.label("stamp")).subquery("service")
    unchanged = current.c.stamp == bindparam("stamp", type_=UTCDateTime())

    def nextval(sequence: ColumnElement[Any]) -> ColumnElement[int]:
        return case((unchanged, func.nextval(sequence, type_=Integer)))

    return select(nextval(func.to_regclass(literal_column(f"'{sequence_name(year)}'"))),
                  nextval(func.pg_get_serial_sequence("applications", "id")),
                  nextval(func.pg_get_serial_sequence("application_events", "id")),
                  func.coalesce(unchanged, False)).select_from(current)


async def _new_case_numbers(session: AsyncSession, offered: catalog.Offered) -> _Numbers | None:
    """The new case's 受理编号 (see the module docstring) and, on PostgreSQL, the keys of the case and of its first
    event, from one statement. None, and no number taken, when the service has changed since `offered` was
    loaded (see catalog.offered)."""
    year = local_date(utcnow()).year
    params = {"service_id": offered.service.id, "stamp": offered.stamp}
    conn = await session.connection()
    if session.get_bind().dialect.name != "postgresql":
        if (await conn.execute(select(catalog.STAMP), params)).scalar_one() != offered.stamp:
            return None
        upsert = sqlite_insert(TrackingCounter).values(year=year, last=1).on_conflict_do_update(
            index_elements=[TrackingCounter.year], set_={"last": TrackingCounter.last + 1}
        ).returning(TrackingCounter.last)
        return _Numbers(tracking_no(year, (await conn.execute(upsert)).scalar_one()), None, None)
    seq, app_id, event_id, unchanged = (await conn.execute(_pg_numbers(year), params)).one()
    if not unchanged:
        return None
    if seq is None:
        raise TrackingSequenceMissing(f"{year} 年的受理编号序列 {sequence_name(year)} 尚未创建，"
                                      "请运行 python -m api.cli tracking-sequences")
    return _Numbers(tracking_no(year, seq), app_id, event_id)


async def upload(session: AsyncSession, p: Principal, file: UploadFile) -> Attachment:
    """Store a file for a later submission, supplement or decision (413 too large, 415 wrong type)."""
    return await files.store_upload(session, file, UPLOAD_OWNER, p.id, p.id)


async def claim_uploads(session: AsyncSession, p: Principal, wanted: dict[str, list[int]],
                        errors: list[dict[str, Any]], already: set[int] | None = None) -> list[Attachment]:
    """The caller's unattached uploads named in file fields; unknown ids become field errors."""
    ids = {i for v in wanted.values() for i in v} - (already or set())
    rows: dict[int, Attachment] = {}
    if ids:
        found = await session.execute(select(Attachment).where(
            Attachment.id.in_(ids), Attachment.owner_type == UPLOAD_OWNER, Attachment.uploaded_by_id == p.id))
        rows = {a.id: a for a in found.scalars()}
    for name, v in wanted.items():
        if any(i not in rows and i not in (already or set()) for i in v):
            errors.append({"field": f"data.{name}", "in": "body", "message": "附件不存在或已被使用，请重新上传",
                           "type": "file"})
    return list(rows.values())


def _values(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


def _binds(table: Any, columns: tuple[str, ...], prefix: str) -> dict[str, Any]:
    return {c: bindparam(f"{prefix}_{c}", type_=table.c[c].type) for c in columns}


@functools.cache
def _pg_write(approvals: int, notices: int, complete: Executable | None) -> Executable:
    """The one statement that writes a new case on PostgreSQL (see the module docstring), built once per shape
    so SQLAlchemy reuses its compiled form."""
    apps, events = cast(Table, Application.__table__), cast(Table, ApplicationEvent.__table__)
    app = insert(apps).values(id=bindparam("a_id", type_=apps.c.id.type), **_binds(apps, APPLICATION_COLUMNS, "a")) \
        .returning(apps.c.id).cte("new_application")
    rows: list[Any] = [insert(events).values(id=bindparam("e_id", type_=events.c.id.type),
                                             **_binds(events, EVENT_COLUMNS, "e")).cte("new_event")]
    # Several rows as INSERT … SELECT … UNION ALL …: a multi-row VALUES insert has no cache key in SQLAlchemy,
    # which would compile the whole statement again on every submission. Rows keep their order (and ids).
    for model, columns, prefix, n in ((Approval, APPROVAL_COLUMNS, "p", approvals),
                                      (Notification, NOTIFICATION_COLUMNS, "n", notices)):
        if n:
            table = cast(Table, model.__table__)
            selects = [select(*_binds(table, columns, f"{prefix}{i}").values()) for i in range(n)]
            rows.append(insert(table).from_select(list(columns), union_all(*selects) if n > 1 else selects[0])
                        .cte(f"new_{table.name}"))
    if complete is not None:
        rows.append(complete.cte("key_done"))  # type: ignore[attr-defined]
    return select(app.c.id).add_cte(*rows)


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{k}": v for k, v in values.items()}


async def submit(session: AsyncSession, p: Principal, body: ApplicationCreate,
                 claim: idempotency.Claim | None = None) -> tuple[Application, str]:
    """The new case and its detail as JSON, rendered from what this request writes (nothing to read back) and
    stored with it for a retry under the same Idempotency-Key. The returned Application is not in the session."""
    fresh = False
    for _ in range(3):
        offered = await catalog.offered(session, body.service_code, fresh)
        service, version, form, units = offered.service, offered.version, offered.form, offered.units
        clean, errors = catalog.validate_form(form, body.data)
        uploads = await claim_uploads(session, p, catalog.file_ids(form, clean), errors)
        if errors and offered.cached:
            fresh = True  # judge the data by the form as it is now, not as this process last saw it
            continue
        if errors:
            raise ValidationFailed(errors)
        numbers = await _new_case_numbers(session, offered)
        if numbers is not None:
            break
        fresh = True  # changed or withdrawn since this process cached it: look again
    else:
        raise ServiceChanging()
    now = utcnow()
    step = APPLICATION.opening(person(p), now, detail={"service": service.code, "version": version.version})
    app = Application(id=numbers.app_id, tracking_no=numbers.tracking_no, service_id=service.id,
                      service_version_id=version.id, applicant_id=p.id, owner_unit_id=service.owner_unit_id,
                      status=step.to_status, data=clean, submitted_at=now, updated_at=now, version=1)
    event = app.case_event(step)
    if numbers.event_id is not None:
        event.id = numbers.event_id
    conn = await session.connection()  # Core statements: no autoflush, nothing of these rows in the session
    postgres = numbers.app_id is not None
    if not postgres:  # SQLite: the keys come from the INSERTs
        app.id = (await conn.execute(insert(Application).values(_values(app, APPLICATION_COLUMNS))
                                     .returning(Application.id))).scalar_one()
        event.application_id = app.id
        event.id = (await conn.execute(insert(ApplicationEvent).values(_values(event, EVENT_COLUMNS))
                                       .returning(ApplicationEvent.id))).scalar_one()
    approvals = [Approval(application_id=app.id, org_unit_id=unit_id, decision=Decision.pending)
                 for unit_id in catalog.approval_units(service, version)]
    notices = cases.notification_values(app, step)
    for upload_ in uploads:
        upload_.owner_type, upload_.owner_id = MATERIAL_OWNER, app.id
    await cases.audit_step(session, app, step)
    parts = Parts(service, version, {p.id: p.display_name}, units, None, sorted(uploads, key=lambda a: a.id),
                  approvals, [event], None, actions(p, app, approvals, units), form)
    content = render(app, parts).model_dump_json()  # once: the client's body and a retry's replay
    completion = idempotency.completion(session, claim or idempotency.Claim(), 201, content, app.id)
    if postgres:
        params = {"a_id": app.id, **_prefixed("a", _values(app, APPLICATION_COLUMNS)),
                  "e_id": event.id, **_prefixed("e", _values(event, EVENT_COLUMNS))}
        for i, approval in enumerate(approvals):
            params.update(_prefixed(f"p{i}", _values(approval, APPROVAL_COLUMNS)))
        for i, n in enumerate(notices):
            params.update(_prefixed(f"n{i}", {c: n[c] for c in NOTIFICATION_COLUMNS}))
        for _, extra in completion:
            params.update(extra)
        stmt = _pg_write(len(approvals), len(notices), completion[0][0] if completion else None)
        await conn.execute(stmt, params)
        return app, content
    if approvals:
        await conn.execute(insert(Approval), [_values(approval, APPROVAL_COLUMNS) for approval in approvals])
    if notices:
        await conn.execute(insert(Notification), [{c: n[c] for c in NOTIFICATION_COLUMNS} for n in notices])
    for stmt, extra in completion:
        await conn.execute(stmt, extra)
    return app, content

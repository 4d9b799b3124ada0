"""Applications: submission, the lifecycle, parallel approval, deadlines, queues and statistics."""

import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import UploadFile
from sqlalchemy import Integer, Select, and_, bindparam, case, exists, func, literal_column, or_, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ColumnElement

from api.applications.exceptions import AlreadyClaimed, ConcurrentUpdate, NotApplicant, NotHandler, ServiceChanging
from api.applications.models import Application, ApplicationEvent, Approval, TrackingCounter
from api.applications.schemas import (
    ApplicationAttachmentRead,
    ApplicationCreate,
    ApplicationEventRead,
    ApplicationRead,
    ApplicationStatsRow,
    ApplicationSummary,
    ApprovalRead,
    AssigneeRead,
    ClockBrief,
    DecisionIn,
    SupplementIn,
    SupplementRequestIn,
)
from api.applications.states import (
    ACTION_LABELS,
    DECIDABLE,
    OPEN,
    STATUS_LABELS,
    Action,
    ApplicationStatus,
    Decision,
    allowed,
)
from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role, RoleGrant, User
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.schemas import ClockRead, DeadlineStatus
from api.calendar.workdays import local_date
from api.catalog import service as catalog
from api.catalog.forms import file_ids, validate_form
from api.catalog.models import Service, ServiceVersion
from api.catalog.schemas import FormField, UnitRef
from api.config import get_settings
from api.database import UTCDateTime, can_use_side_session, fill_defaults, insert_pending, side_connection, utcnow
from api.errors import InvalidTransition, NotFound, ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.idempotency import service as idempotency
from api.notifications.service import notify

CASE_TYPE = "application"
UPLOAD_OWNER = "application_upload"  # uploaded by a user, not yet part of an application
MATERIAL_OWNER = "application"
RESULT_OWNER = "application_result"
S = ApplicationStatus


# --- who sees what ----------------------------------------------------------------------------------


def _units_under(paths: list[str]) -> Select[Any]:
    return select(OrgUnit.id).where(or_(*[OrgUnit.path.startswith(p, autoescape=True) for p in paths]))


def readable_by(p: Principal) -> Select[Any]:
    """Applicants their own; handlers and leaders the cases of their units (as owner or approver)."""
    conds: list[Any] = [Application.applicant_id == p.id]
    paths = p.scope_paths(Role.handler, Role.leader)
    if paths:
        units = _units_under(paths)
        conds.append(Application.owner_unit_id.in_(units))
        conds.append(exists().where(Approval.application_id == Application.id, Approval.org_unit_id.in_(units)))
    return select(Application).where(or_(*conds))


async def get(session: AsyncSession, p: Principal, application_id: int) -> Application:
    app = (await session.execute(readable_by(p).where(Application.id == application_id))).scalar_one_or_none()
    if app is None:
        raise NotFound("申请不存在")
    return app


async def get_by_tracking_no(session: AsyncSession, p: Principal, tracking_no: str) -> Application:
    stmt = readable_by(p).where(Application.tracking_no == tracking_no.strip().upper())
    app = (await session.execute(stmt)).scalar_one_or_none()
    if app is None:
        raise NotFound("未找到该受理编号的申请")
    return app


async def _for_action(session: AsyncSession, p: Principal, application_id: int) -> Application:
    """The case, row-locked for this transaction, so two handlers acting at once run one after the other."""
    stmt = (readable_by(p).where(Application.id == application_id)
            .with_for_update(of=Application).execution_options(populate_existing=True))
    app = (await session.execute(stmt)).scalar_one_or_none()
    if app is None:
        raise NotFound("申请不存在")
    return app


async def _unit(session: AsyncSession, unit_id: int) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    assert unit is not None
    return unit


async def _require_owner_handler(session: AsyncSession, p: Principal, app: Application) -> None:
    if not p.covers(Role.handler, (await _unit(session, app.owner_unit_id)).path):
        raise NotHandler()


def _require_applicant(p: Principal, app: Application) -> None:
    if app.applicant_id != p.id:
        raise NotApplicant()


def person(p: Principal) -> Actor:
    """The applicant as the case history names them (citizens hold no role)."""
    return Actor(p.id, p.display_name, "applicant")


# --- history ----------------------------------------------------------------------------------------


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdate() from exc


async def _event(session: AsyncSession, app: Application, action: Action, src: S | None, dst: S | None,
                 actor: Actor, note: str | None = None, detail: dict[str, Any] | None = None,
                 write: Callable[[AsyncSession], Awaitable[None]] | None = _flush,
                 event_id: int | None = None) -> ApplicationEvent:
    """The history entry, its audit record and the applicant's notification; written now unless write=None."""
    if src is not None:
        app.updated_at = utcnow()  # every action on an existing case bumps the row's version
    event = ApplicationEvent(id=event_id, application_id=app.id, action=action.value, from_status=src,
                             to_status=dst, actor_id=actor.id, actor_name=actor.name, actor_role=actor.role,
                             note=note, detail=detail)
    session.add(event)
    await audit.record(session, actor, f"application.{action.value}", "application", app.id,
                       {"tracking_no": app.tracking_no, "from": src, "to": dst, "note": note, **(detail or {})})
    if dst is not None and dst != src:
        body = f"您的申请（受理编号 {app.tracking_no}）状态变更为“{STATUS_LABELS[dst]}”。"
        if note:
            body += f"说明：{note}"
        await notify(session, app.applicant_id, f"{ACTION_LABELS[action]}：{STATUS_LABELS[dst]}", body,
                     link=f"/my/applications/{app.id}", object_type="application", object_id=app.id,
                     kind="application_status")
    if write is not None:
        await write(session)  # one round of INSERTs (event, notification, the new case's approvals) and the UPDATE
    return event


async def transition(session: AsyncSession, app: Application, to: S, action: Action, actor: Actor,
                     note: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Move the case along the table, or 409; appends the event, the audit record and a notification."""
    src = app.status
    if not allowed(src, to):
        raise InvalidTransition(f"申请当前状态为“{STATUS_LABELS[src]}”，不能{ACTION_LABELS[action]}")
    app.status = to
    await _event(session, app, action, src, to, actor, note, detail)


# --- submission -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Numbers:
    tracking_no: str
    app_id: int | None  # PostgreSQL: reserved keys; SQLite: assigned by the INSERTs
    event_id: int | None


async def _new_case_numbers(session: AsyncSession, offered: catalog.Offered) -> _Numbers | None:
    """The new case's 受理编号 SQ{year}-{seq:06d}, per Shanghai calendar year, never handed out twice (a failed
    submission leaves a gap); on PostgreSQL also the keys of the case and of its first event, all from one
    statement, so that the case, its history and the stored response are written together (insert_pending).
    None, and no number taken, when the service has changed since `offered` was loaded (see catalog.offered)."""
    year = local_date(utcnow()).year
    params = {"service_id": offered.service.id, "stamp": offered.stamp}
    if session.get_bind().dialect.name != "postgresql":
        if (await session.execute(select(catalog.STAMP), params)).scalar_one() != offered.stamp:
            return None
        # SQLite serializes writers anyway: one upsert on the year's counter row, in the request's transaction.
        upsert = sqlite_insert(TrackingCounter).values(year=year, last=1).on_conflict_do_update(
            index_elements=[TrackingCounter.year], set_={"last": TrackingCounter.last + 1}
        ).returning(TrackingCounter.last)
        return _Numbers(_tracking_no(year, (await session.execute(upsert)).scalar_one()), None, None)
    if can_use_side_session(session):
        # A sequence per year: nextval never waits for another transaction (a counter row would be locked
        # until each taker's commit, fsync included, which capped submissions under load). It is created
        # once, in a transaction of its own, the first time this process needs the year's.
        if year not in _PG_SEQUENCES:
            async with side_connection() as conn:
                await _pg_create_sequence(conn, year, autocommit=True)
            _PG_SEQUENCES.add(year)
        conn = await session.connection()
    else:  # a test's single rolled-back connection: whatever it creates goes with it
        conn = await session.connection()
        await _pg_create_sequence(conn, year, autocommit=False)
    seq, app_id, event_id = (await conn.execute(_pg_numbers(year), params)).one()
    return None if seq is None else _Numbers(_tracking_no(year, seq), app_id, event_id)


@functools.cache
def _pg_numbers(year: int) -> Select[int, int, int]:
    """Three nextvals, taken only while the service's stamp is the expected one (CASE evaluates lazily)."""
    current = select(catalog.STAMP.label("stamp")).subquery("service")
    unchanged = current.c.stamp == bindparam("stamp", type_=UTCDateTime())

    def nextval(sequence: str) -> ColumnElement[int]:
        return case((unchanged, literal_column(f"nextval({sequence})", Integer)))

    return select(nextval(f"'{_sequence_name(year)}'"), nextval("pg_get_serial_sequence('applications', 'id')"),
                  nextval("pg_get_serial_sequence('application_events', 'id')")).select_from(current)


def _tracking_no(year: int, seq: int) -> str:
    return f"SQ{year}-{seq:06d}"


_PG_SEQUENCES: set[int] = set()  # years whose sequence this process has seen committed


def _sequence_name(year: int) -> str:
    return f"application_tracking_{int(year)}"


async def _pg_create_sequence(conn: AsyncConnection, year: int, autocommit: bool) -> None:
    # Continue after the counter a database upgraded from 0004 kept for the year, if any.
    last = (await conn.execute(select(TrackingCounter.last).where(TrackingCounter.year == year))).scalar()
    create = f"CREATE SEQUENCE IF NOT EXISTS {_sequence_name(year)} START WITH {int(last or 0) + 1}"
    try:
        await conn.execute(text(create))
    except DBAPIError:
        # Two first takers of the year can race inside IF NOT EXISTS; the loser's statement fails but the
        # sequence exists. Only an autocommit connection can go on after a failed statement.
        if not autocommit:
            raise


async def upload(session: AsyncSession, p: Principal, file: UploadFile) -> Attachment:
    """Store a file for a later submission, supplement or decision (413 too large, 415 wrong type)."""
    return await files.store_upload(session, file, UPLOAD_OWNER, p.id, p.id)


async def _claim_uploads(session: AsyncSession, p: Principal, wanted: dict[str, list[int]],
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


async def submit(session: AsyncSession, p: Principal, body: ApplicationCreate,
                 claim: idempotency.Claim | None = None) -> tuple[Application, str]:
    """The new case and its detail as JSON, rendered from what this request writes (nothing to read back) and
    stored with it for a retry under the same Idempotency-Key: on PostgreSQL all of it in one statement."""
    fresh = False
    for _ in range(3):
        offered = await catalog.offered(session, body.service_code, fresh)
        service, version, form, units = offered.service, offered.version, offered.form, offered.units
        clean, errors = validate_form(form, body.data)
        uploads = await _claim_uploads(session, p, file_ids(form, clean), errors)
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
    app = Application(
        id=numbers.app_id, tracking_no=numbers.tracking_no, service_id=service.id, service_version_id=version.id,
        applicant_id=p.id, owner_unit_id=service.owner_unit_id, status=S.submitted, data=clean,
        submitted_at=utcnow())
    session.add(app)
    if app.id is None:
        await session.flush()  # SQLite: the key comes from the INSERT
    for a in uploads:
        a.owner_type, a.owner_id = MATERIAL_OWNER, app.id
    approvals = [Approval(application_id=app.id, org_unit_id=unit_id)
                 for unit_id in catalog.approval_units(service, version)]
    session.add_all(approvals)
    event = await _event(session, app, Action.submit, None, S.submitted, person(p),
                         detail={"service": service.code, "version": version.version}, write=None,
                         event_id=numbers.event_id)
    if event.id is None:
        await session.flush()  # SQLite: the event's key comes from its INSERT
    fill_defaults(app, event, *approvals)  # the response shows them before the INSERT
    parts = _Parts(service, version, {p.id: p.display_name}, units, None, sorted(uploads, key=lambda a: a.id),
                   approvals, [event], None, actions(p, app, approvals, units), form)
    content = _render(app, parts).model_dump_json()  # once: the client's body and a retry's replay
    await insert_pending(session, also=idempotency.completion(session, claim or idempotency.Claim(), 201,
                                                              content, app.id))
    return app, content


# --- the handlers' actions --------------------------------------------------------------------------


async def accept(session: AsyncSession, p: Principal, application_id: int, note: str | None) -> Application:
    app = await _for_action(session, p, application_id)
    await _require_owner_handler(session, p, app)
    actor = p.actor(Role.handler)
    await transition(session, app, S.accepted, Action.accept, actor, note)
    app.accepted_at = utcnow()
    version = await session.get(ServiceVersion, app.service_version_id)
    assert version is not None
    await calendar.start_clock(session, CASE_TYPE, app.id, version.promised_days, actor, at=app.accepted_at)
    return app


async def not_accept(session: AsyncSession, p: Principal, application_id: int, reason: str) -> Application:
    app = await _for_action(session, p, application_id)
    await _require_owner_handler(session, p, app)
    await transition(session, app, S.not_accepted, Action.not_accept, p.actor(Role.handler), reason)
    app.reason, app.decided_at = reason, utcnow()
    return app


async def request_supplement(session: AsyncSession, p: Principal, application_id: int,
                             body: SupplementRequestIn) -> Application:
    """补正: list what is missing; the deadline clock pauses until the applicant supplies it."""
    app = await _for_action(session, p, application_id)
    await _require_owner_handler(session, p, app)
    src = app.status
    actor = p.actor(Role.handler)
    await transition(session, app, S.supplement_requested, Action.request_supplement, actor,
                     body.note or "；".join(body.items), {"items": body.items})
    app.resume_status = src
    app.supplement_request = {"items": body.items, "note": body.note, "requested_at": utcnow().isoformat(),
                              "requested_by": actor.name}
    clock = await calendar.get_clock(session, CASE_TYPE, app.id)
    if clock is not None and clock.status == ClockStatus.running:
        await calendar.pause_clock(session, clock, actor, "补正：" + "；".join(body.items))
    return app


async def supplement(session: AsyncSession, p: Principal, application_id: int, body: SupplementIn) -> Application:
    """The applicant supplies what was missing; the case returns to review and the clock runs on."""
    app = await _for_action(session, p, application_id)
    _require_applicant(p, app)
    version = await session.get(ServiceVersion, app.service_version_id)
    assert version is not None
    if app.status != S.supplement_requested:
        raise InvalidTransition(f"申请当前状态为“{STATUS_LABELS[app.status]}”，无需补正")
    form = catalog.form_of(version)
    merged = {**app.data, **body.data}
    clean, errors = validate_form(form, {k: v for k, v in merged.items() if v is not None})
    attached = {i for v in file_ids(form, app.data).values() for i in v}
    uploads = await _claim_uploads(session, p, file_ids(form, clean), errors, already=attached)
    if errors:
        raise ValidationFailed(errors)
    actor = person(p)
    await transition(session, app, app.resume_status or S.submitted, Action.supplement, actor, body.note,
                     {"fields": sorted(body.data)})
    app.data = clean
    for a in uploads:
        a.owner_type, a.owner_id = MATERIAL_OWNER, app.id
    app.supplement_request = {**(app.supplement_request or {}), "supplied_at": utcnow().isoformat()}
    app.resume_status = None
    clock = await calendar.get_clock(session, CASE_TYPE, app.id)
    if clock is not None and clock.status == ClockStatus.paused:
        await calendar.resume_clock(session, clock, actor)
    return app


async def start(session: AsyncSession, p: Principal, application_id: int, note: str | None) -> Application:
    app = await _for_action(session, p, application_id)
    await _require_owner_handler(session, p, app)
    await transition(session, app, S.in_progress, Action.start, p.actor(Role.handler), note)
    return app


async def _close_clock(session: AsyncSession, app: Application, actor: Actor, count: bool) -> None:
    clock = await calendar.get_clock(session, CASE_TYPE, app.id)
    if clock is None or clock.status == ClockStatus.stopped:
        return
    if count:
        state = await calendar.clock_state(session, clock)
        app.on_time = state.status not in (DeadlineStatus.overdue, DeadlineStatus.very_overdue)
        app.used_working_days = state.used_working_days
    await calendar.stop_clock(session, clock, actor)


async def decide(session: AsyncSession, p: Principal, application_id: int, body: DecisionIn) -> Application:
    """并联审批: one department's decision; all approve → 办结, one refusal → 不予批准 with its reason."""
    app = await _for_action(session, p, application_id)
    approvals = list((await session.execute(
        select(Approval).where(Approval.application_id == app.id).order_by(Approval.id)
        .execution_options(populate_existing=True))).scalars())
    units = await catalog.units_by_id(session, {a.org_unit_id for a in approvals})
    mine = [a for a in approvals if p.covers(Role.handler, units[a.org_unit_id].path)
            and (body.org_unit_id is None or a.org_unit_id == body.org_unit_id)]
    if not mine:
        raise NotHandler("您不是该申请审批部门的经办人")
    if app.status not in DECIDABLE:
        raise InvalidTransition(f"申请当前状态为“{STATUS_LABELS[app.status]}”，不能作出审批决定")
    pending = [a for a in mine if a.decision == Decision.pending]
    if not pending:
        raise InvalidTransition("本部门已作出审批决定")
    approval = pending[0]
    unit_name = units[approval.org_unit_id].name
    actor = p.actor(Role.handler)
    errors: list[dict[str, Any]] = []
    results = await _claim_uploads(session, p, {"result_attachment_ids": body.result_attachment_ids}, errors)
    if errors:
        raise ValidationFailed([{**e, "field": "result_attachment_ids"} for e in errors])
    if app.status == S.accepted:
        await transition(session, app, S.in_progress, Action.start, actor, "开始办理")
    approval.decision = Decision.approved if body.decision == "approve" else Decision.refused
    approval.note, approval.decided_at = body.note, utcnow()
    approval.decided_by_id, approval.decided_by_name = p.id, p.display_name
    for a in results:
        a.owner_type, a.owner_id = RESULT_OWNER, app.id
    if approval.decision == Decision.refused:
        reason = f"{unit_name}：{body.note}"
        await _close_clock(session, app, actor, count=True)
        await transition(session, app, S.refused, Action.refuse, actor, reason, {"org_unit": unit_name})
        app.reason, app.decided_at = reason, utcnow()
        return app
    await _event(session, app, Action.approve, app.status, app.status, actor, body.note, {"org_unit": unit_name})
    if all(a.decision == Decision.approved for a in approvals):
        note = body.note or "准予办理"
        await _close_clock(session, app, actor, count=True)
        await transition(session, app, S.completed, Action.complete, actor, note)
        app.result_note, app.decided_at = note, utcnow()
    return app


async def withdraw(session: AsyncSession, p: Principal, application_id: int, note: str | None) -> Application:
    app = await _for_action(session, p, application_id)
    _require_applicant(p, app)
    actor = person(p)
    await transition(session, app, S.withdrawn, Action.withdraw, actor, note)
    await _close_clock(session, app, actor, count=False)
    app.decided_at = utcnow()
    return app


async def claim(session: AsyncSession, p: Principal, application_id: int) -> Application:
    app = await _for_action(session, p, application_id)
    await _require_owner_handler(session, p, app)
    if app.status not in OPEN:
        raise InvalidTransition("申请已结束，无需领取")
    if app.assignee_id is not None and app.assignee_id != p.id:
        raise AlreadyClaimed()
    if app.assignee_id is None:
        app.assignee_id = p.id
        await _event(session, app, Action.claim, app.status, app.status, p.actor(Role.handler))
    return app


def _assignable(owner: OrgUnit) -> ColumnElement[bool]:
    """Active users with a handler grant on the owner unit or a unit above it (the path lists their ids)."""
    above = [int(i) for i in owner.path.strip("/").split("/") if i]
    return and_(User.is_active.is_(True), User.id.in_(
        select(RoleGrant.user_id).where(RoleGrant.role == Role.handler, RoleGrant.org_unit_id.in_(above))))


async def assign(session: AsyncSession, p: Principal, application_id: int, user_id: int) -> Application:
    app = await _for_action(session, p, application_id)
    await _require_owner_handler(session, p, app)
    if app.status not in OPEN:
        raise InvalidTransition("申请已结束，不能分派")
    owner = await _unit(session, app.owner_unit_id)
    target = (await session.execute(
        select(User).where(User.id == user_id, _assignable(owner)))).scalar_one_or_none()
    if target is None:
        raise ValidationFailed([{"field": "user_id", "in": "body", "message": "只能分派给本部门的经办人",
                                 "type": "assignee"}])
    app.assignee_id = user_id
    await _event(session, app, Action.assign, app.status, app.status, p.actor(Role.handler),
                 f"分派给 {target.display_name}", {"assignee_id": user_id})
    return app


async def assignees(session: AsyncSession, p: Principal, application_id: int) -> list[AssigneeRead]:
    """Who the case may be given to, with the open cases each holds, the least loaded first."""
    app = await get(session, p, application_id)
    await _require_owner_handler(session, p, app)
    owner = await _unit(session, app.owner_unit_id)
    held = (select(func.count()).where(Application.assignee_id == User.id, Application.status.in_(OPEN))
            .scalar_subquery().label("open_applications"))
    rows = await session.execute(
        select(User.id, User.display_name, OrgUnit.id, OrgUnit.name, held)
        .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_assignable(owner)).order_by(held, User.display_name, User.id))
    return [AssigneeRead(id=uid, display_name=name, org_unit=UnitRef(id=unit_id, name=unit) if unit_id else None,
                         open_applications=n, is_assignee=uid == app.assignee_id)
            for uid, name, unit_id, unit, n in rows.all()]


# --- attachments ------------------------------------------------------------------------------------


async def get_attachment(session: AsyncSession, p: Principal, application_id: int, attachment_id: int) -> Attachment:
    app = await get(session, p, application_id)
    att = (await session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_id == app.id,
        Attachment.owner_type.in_((MATERIAL_OWNER, RESULT_OWNER))))).scalar_one_or_none()
    if att is None:
        raise NotFound("附件不存在")
    return att


# --- reading ----------------------------------------------------------------------------------------


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {i: n for i, n in rows.all()}


async def _briefs(session: AsyncSession, app_ids: list[int], now: datetime | None = None) -> dict[int, ClockBrief]:
    """Deadline status for a page of cases from one clock query and one calendar load."""
    if not app_ids:
        return {}
    clocks = list((await session.execute(select(DeadlineClock).where(
        DeadlineClock.case_type == CASE_TYPE, DeadlineClock.case_id.in_(app_ids)))).scalars())
    today = local_date(now or utcnow())
    dates = [local_date(c.deadline_at) for c in clocks if c.deadline_at is not None]
    cal = await calendar.load_calendar(session, min([today, *dates]), max([today, *dates]))
    out = {}
    for c in clocks:
        if c.status == ClockStatus.stopped:
            out[c.case_id] = ClockBrief(deadline_at=None, status=DeadlineStatus.stopped, left_working_days=None)
        elif c.status == ClockStatus.paused or c.deadline_at is None:
            out[c.case_id] = ClockBrief(deadline_at=None, status=DeadlineStatus.paused, left_working_days=None)
        else:
            due = local_date(c.deadline_at)
            if today > due:
                late = cal.working_days_between(due, today)
                status = DeadlineStatus.very_overdue if late >= c.period_days else DeadlineStatus.overdue
                left = -late
            else:
                left = cal.working_days_between(today, due)
                status = DeadlineStatus.due_soon if left <= get_settings().due_soon_working_days \
                    else DeadlineStatus.on_time
            out[c.case_id] = ClockBrief(deadline_at=c.deadline_at, status=status, left_working_days=left)
    return out


async def summaries(session: AsyncSession, apps: list[Application],
                    p: Principal | None = None) -> list[ApplicationSummary]:
    if not apps:
        return []
    services = {s.id: s for s in (await session.execute(
        select(Service).where(Service.id.in_({a.service_id for a in apps})))).scalars()}
    names = await _names(session, {a.applicant_id for a in apps} | {a.assignee_id for a in apps if a.assignee_id})
    units = await catalog.units_by_id(session, {a.owner_unit_id for a in apps})
    briefs = await _briefs(session, [a.id for a in apps])
    return [_summary(a, services[a.service_id], names, units, briefs.get(a.id), _owner_actions(p, a, units))
            for a in apps]


def _owner_actions(p: Principal | None, app: Application, units: Mapping[int, catalog.UnitView]) -> list[str]:
    """Claim and assign: the owner department's handlers on an open case (a co-approving department has neither)."""
    if p is None or app.status not in OPEN or not p.covers(Role.handler, units[app.owner_unit_id].path):
        return []
    return (["claim"] if app.assignee_id is None else []) + ["assign"]


def _summary(a: Application, service: catalog.ServiceView, names: dict[int, str], units: Mapping[int, catalog.UnitView],
             brief: ClockBrief | None, actions: list[str] | None = None) -> ApplicationSummary:
    unit = units[a.owner_unit_id]
    return ApplicationSummary(
        id=a.id, tracking_no=a.tracking_no, service_code=service.code, service_name=service.name, status=a.status,
        status_label=STATUS_LABELS[a.status], applicant_name=names.get(a.applicant_id, ""),
        owner_unit=UnitRef(id=unit.id, name=unit.name),
        assignee_name=names.get(a.assignee_id) if a.assignee_id else None,
        submitted_at=a.submitted_at, decided_at=a.decided_at, deadline=brief, actions=actions or [])


@dataclass
class _Parts:
    """Everything an ApplicationRead shows besides the application row itself."""
    service: catalog.ServiceView
    version: catalog.VersionView
    names: dict[int, str]
    units: Mapping[int, catalog.UnitView]
    brief: ClockBrief | None
    attachments: list[Attachment]
    approvals: list[Approval]
    events: list[ApplicationEvent]
    clock: ClockRead | None
    actions: list[str]
    form: Sequence[FormField]  # the version's form, parsed


def actions(p: Principal, app: Application, approvals: list[Approval],
            units: Mapping[int, catalog.UnitView]) -> list[str]:
    """What `p` may do to the case now, named as the action endpoints are, by the same rules they check (the
    SPA shows these buttons and no others; each endpoint still checks for itself). `units` holds the owner
    unit and the approval units."""
    status = S(app.status)
    out: list[str] = []
    if app.applicant_id == p.id:
        if allowed(status, S.withdrawn):
            out.append("withdraw")
        if status == S.supplement_requested:
            out.append("supplement")
    if not p.has(Role.handler):
        return out
    owner = _owner_actions(p, app, units)
    if owner:
        out += owner
        out += [name for name, dst in (("accept", S.accepted), ("not-accept", S.not_accepted),
                                       ("supplement-request", S.supplement_requested))
                if allowed(status, dst)]
        if status == S.accepted:
            out.append("start")
    if status in DECIDABLE and any(a.decision == Decision.pending and p.covers(Role.handler, units[a.org_unit_id].path)
                                   for a in approvals):
        out.append("decisions")
    return out


async def detail(session: AsyncSession, p: Principal, app: Application) -> ApplicationRead:
    service = await session.get(Service, app.service_id)
    assert service is not None
    names = await _names(session, {app.applicant_id} | ({app.assignee_id} if app.assignee_id else set()))
    briefs = await _briefs(session, [app.id])
    version = await session.get(ServiceVersion, app.service_version_id)
    assert version is not None
    atts = list((await session.execute(select(Attachment).where(
        Attachment.owner_id == app.id, Attachment.owner_type.in_((MATERIAL_OWNER, RESULT_OWNER)))
        .order_by(Attachment.id))).scalars())
    approvals = list((await session.execute(
        select(Approval).where(Approval.application_id == app.id).order_by(Approval.id))).scalars())
    units = await catalog.units_by_id(session, {app.owner_unit_id} | {a.org_unit_id for a in approvals})
    events = list((await session.execute(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
                                         .order_by(ApplicationEvent.id))).scalars())
    clock = await calendar.get_clock(session, CASE_TYPE, app.id)
    state = await calendar.clock_state(session, clock) if clock else None
    return _render(app, _Parts(service, version, names, units, briefs.get(app.id), atts, approvals, events, state,
                               actions(p, app, approvals, units), catalog.form_of(version)))


def _render(app: Application, parts: _Parts) -> ApplicationRead:
    summary = _summary(app, parts.service, parts.names, parts.units, parts.brief)
    form = list(parts.form)
    field_of = {i: name for name, ids in file_ids(form, app.data).items() for i in ids}
    return ApplicationRead(
        **summary.model_dump(exclude={"actions"}), service_version=parts.version.version, form=form, data=app.data,
        attachments=[ApplicationAttachmentRead(
            id=a.id, kind="result" if a.owner_type == RESULT_OWNER else "material", field=field_of.get(a.id),
            filename=a.filename, content_type=a.content_type, size=a.size, created_at=a.created_at)
            for a in parts.attachments],
        approvals=[ApprovalRead(org_unit=UnitRef(id=a.org_unit_id, name=parts.units[a.org_unit_id].name),
                                decision=a.decision, note=a.note, decided_by_name=a.decided_by_name,
                                decided_at=a.decided_at) for a in parts.approvals],
        supplement_request=app.supplement_request, reason=app.reason, result_note=app.result_note,
        on_time=app.on_time, used_working_days=app.used_working_days, clock=parts.clock,
        events=[ApplicationEventRead(
            id=e.id, action=e.action, action_label=ACTION_LABELS.get(Action(e.action), e.action),
            from_status=e.from_status, to_status=e.to_status, actor_name=e.actor_name, note=e.note,
            detail=e.detail, created_at=e.created_at) for e in parts.events],
        version=app.version, actions=parts.actions)


# --- queues -----------------------------------------------------------------------------------------

def handler_queue(p: Principal) -> Select[Any]:
    """Open cases owned by the handler's units, and cases awaiting a decision from them."""
    paths = p.scope_paths(Role.handler)
    if not paths:
        return select(Application).where(Application.id.is_(None))
    units = _units_under(paths)
    awaiting = exists().where(Approval.application_id == Application.id, Approval.org_unit_id.in_(units),
                              Approval.decision == Decision.pending)
    return select(Application).where(or_(
        and_(Application.owner_unit_id.in_(units), Application.status.in_(OPEN)),
        and_(awaiting, Application.status.in_(DECIDABLE))))


def urgency_order(stmt: Select[Any]) -> tuple[Select[Any], Any]:
    """Join the clock and expose the deadline (paused and unstarted cases last) for keyset sorting."""
    far = datetime(9999, 1, 1, tzinfo=UTC)
    due = func.coalesce(DeadlineClock.deadline_at, far)
    stmt = stmt.outerjoin(DeadlineClock, and_(DeadlineClock.case_type == CASE_TYPE,
                                              DeadlineClock.case_id == Application.id)).add_columns(due)
    return stmt, due


def overdue(p: Principal, now: datetime | None = None) -> Select[Any]:
    """督办: running clocks past their deadline in the units a leader or handler covers."""
    paths = p.scope_paths(Role.leader, Role.handler)
    if not paths:
        return select(Application).where(Application.id.is_(None))
    return (select(Application).join(DeadlineClock, and_(DeadlineClock.case_type == CASE_TYPE,
                                                         DeadlineClock.case_id == Application.id))
            .where(Application.owner_unit_id.in_(_units_under(paths)),
                   DeadlineClock.status == ClockStatus.running, DeadlineClock.deadline_at < (now or utcnow())))


# --- statistics -------------------------------------------------------------------------------------


def _rate(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


async def statistics(
    session: AsyncSession, p: Principal, since: datetime | None,
    until: datetime | None,
) -> tuple[ApplicationStatsRow, list[ApplicationStatsRow], list[ApplicationStatsRow]]:
    """Counts by state, on-time rate, average working days and satisfaction, per service and department."""
    from api.ratings import service as ratings  # ratings builds on applications, so import at call time

    paths = p.scope_paths(Role.leader, Role.handler)
    scope = Application.owner_unit_id.in_(_units_under(paths)) if paths else Application.id.is_(None)
    where: list[ColumnElement[bool]] = [scope]
    if since:
        where.append(Application.submitted_at >= since)
    if until:
        where.append(Application.submitted_at < until)
    rows = (await session.execute(
        select(Application.service_id, Application.owner_unit_id, Application.status, func.count(),
               func.sum(func.coalesce(Application.used_working_days, 0)),
               func.count(Application.used_working_days),
               func.sum(case((Application.on_time.is_(True), 1), else_=0)))
        .where(*where).group_by(Application.service_id, Application.owner_unit_id, Application.status))).all()
    rated = await ratings.rating_counts(session, where)
    services = {s.id: s for s in (await session.execute(select(Service))).scalars()}
    units = await catalog.units_by_id(session, {r[1] for r in rows} | {k[1] for k in rated})
    acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {
        "by_status": defaultdict(int), "total": 0, "decided": 0, "on_time": 0, "days": 0, "timed": 0,
        "ratings": 0, "satisfied": 0})

    def keys(service_id: int, unit_id: int) -> list[tuple[str, str]]:
        s = services[service_id]
        return [("total", "全部"), ("service", f"{s.code}|{s.name}"), ("unit", f"{unit_id}|{units[unit_id].name}")]

    for service_id, unit_id, status, n, days, timed, on_time in rows:
        for k in keys(service_id, unit_id):
            a = acc[k]
            a["by_status"][status] += n
            a["total"] += n
            if status in (S.completed, S.refused):
                a["decided"] += n
                a["on_time"] += int(on_time or 0)
                a["days"] += int(days or 0)
                a["timed"] += int(timed or 0)
    for (service_id, unit_id), (n, satisfied) in rated.items():
        for k in keys(service_id, unit_id):
            acc[k]["ratings"] += n
            acc[k]["satisfied"] += satisfied

    def row(k: tuple[str, str]) -> ApplicationStatsRow:
        a = acc[k]
        key, _, name = k[1].partition("|")
        return ApplicationStatsRow(key=key if name else k[0], name=name or k[1], total=a["total"],
                        by_status={s.value: a["by_status"].get(s, 0) for s in S}, decided=a["decided"],
                        on_time=a["on_time"], on_time_rate=_rate(a["on_time"], a["decided"]),
                        avg_working_days=round(a["days"] / a["timed"], 2) if a["timed"] else None,
                        ratings=a["ratings"], satisfied=a["satisfied"],
                        satisfaction_rate=_rate(a["satisfied"], a["ratings"]))

    return (row(("total", "全部")), sorted((row(k) for k in acc if k[0] == "service"), key=lambda r: r.key),
            sorted((row(k) for k in acc if k[0] == "unit"), key=lambda r: int(r.key)))

"""The lifecycle after submission: 受理, 不予受理, 补正, 并联审批 decisions, withdrawal, claim and assignment.
Every change of state goes through cases.transition."""

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.applications.access import for_action, get, person, require_applicant, require_owner_handler, unit
from api.applications.exceptions import AlreadyClaimed, NotHandler
from api.applications.models import Application, Approval
from api.applications.schemas import AssigneeRead, DecisionIn, SupplementIn, SupplementRequestIn
from api.applications.states import APPLICATION, DECIDABLE, OPEN, Action, ApplicationStatus, Decision
from api.applications.submission import claim_uploads
from api.applications.views import MATERIAL_OWNER, RESULT_OWNER
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role, RoleGrant, User
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus
from api.calendar.schemas import DeadlineStatus
from api.cases import service as cases
from api.catalog import service as catalog
from api.database import utcnow
from api.errors import InvalidTransition, ValidationFailed

S, A = ApplicationStatus, Action


async def accept(session: AsyncSession, p: Principal, application_id: int, note: str | None) -> Application:
    """受理: the promised working days start counting."""
    app = await for_action(session, p, application_id)
    await require_owner_handler(session, p, app)
    actor = p.actor(Role.handler)
    app.accepted_at = utcnow()
    await cases.transition(session, app, A.accept, actor, note=note, at=app.accepted_at)
    version = await session.get(catalog.ServiceVersion, app.service_version_id)
    assert version is not None
    await cases.start_clock(session, app, version.promised_days, actor, at=app.accepted_at)
    return app


async def not_accept(session: AsyncSession, p: Principal, application_id: int, reason: str) -> Application:
    """不予受理, with the reason the applicant reads."""
    app = await for_action(session, p, application_id)
    await require_owner_handler(session, p, app)
    app.reason, app.decided_at = reason, utcnow()
    await cases.transition(session, app, A.not_accept, p.actor(Role.handler), note=reason)
    return app


async def request_supplement(session: AsyncSession, p: Principal, application_id: int,
                             body: SupplementRequestIn) -> Application:
    """补正: list what is missing; the deadline clock pauses until the applicant supplies it."""
    app = await for_action(session, p, application_id)
    await require_owner_handler(session, p, app)
    actor = p.actor(Role.handler)
    app.resume_status = app.status
    app.supplement_request = {"items": body.items, "note": body.note, "requested_at": utcnow().isoformat(),
                              "requested_by": actor.name}
    await cases.transition(session, app, A.request_supplement, actor, note=body.note or "；".join(body.items),
                           detail={"items": body.items})
    clock = await cases.clock_of(session, app)
    if clock is not None and clock.status == ClockStatus.running:
        await calendar.pause_clock(session, clock, actor, "补正：" + "；".join(body.items))
    return app


async def supplement(session: AsyncSession, p: Principal, application_id: int, body: SupplementIn) -> Application:
    """The applicant supplies what was missing; the case returns to review and the clock runs on."""
    app = await for_action(session, p, application_id)
    require_applicant(p, app)
    if not APPLICATION.can(S(app.status), A.supplement):
        raise APPLICATION.refusal(S(app.status), A.supplement)
    version = await session.get(catalog.ServiceVersion, app.service_version_id)
    assert version is not None
    form = catalog.form_of(version)
    merged = {**app.data, **body.data}
    clean, errors = catalog.validate_form(form, {k: v for k, v in merged.items() if v is not None})
    attached = {i for v in catalog.file_ids(form, app.data).values() for i in v}
    uploads = await claim_uploads(session, p, catalog.file_ids(form, clean), errors, already=attached)
    if errors:
        raise ValidationFailed(errors)
    actor = person(p)
    app.data = clean
    for a in uploads:
        a.owner_type, a.owner_id = MATERIAL_OWNER, app.id
    app.supplement_request = {**(app.supplement_request or {}), "supplied_at": utcnow().isoformat()}
    back_to, app.resume_status = app.resume_status or S.submitted, None
    await cases.transition(session, app, A.supplement, actor, note=body.note, detail={"fields": sorted(body.data)},
                           to=back_to)
    clock = await cases.clock_of(session, app)
    if clock is not None and clock.status == ClockStatus.paused:
        await calendar.resume_clock(session, clock, actor)
    return app


async def start(session: AsyncSession, p: Principal, application_id: int, note: str | None) -> Application:
    app = await for_action(session, p, application_id)
    await require_owner_handler(session, p, app)
    await cases.transition(session, app, A.start, p.actor(Role.handler), note=note)
    return app


async def _close_clock(session: AsyncSession, app: Application, actor: Actor, count: bool) -> None:
    """Stop the case's clock; `count`: record whether the outcome came on time and the working days it took."""
    clock = await cases.clock_of(session, app)
    if clock is None or clock.status == ClockStatus.stopped:
        return
    if count:
        state = await calendar.clock_state(session, clock)
        app.on_time = state.status not in (DeadlineStatus.overdue, DeadlineStatus.very_overdue)
        app.used_working_days = state.used_working_days
    await calendar.stop_clock(session, clock, actor)


async def decide(session: AsyncSession, p: Principal, application_id: int, body: DecisionIn) -> Application:
    """并联审批: one department's decision; all approve → 办结, one refusal → 不予批准 with its reason."""
    app = await for_action(session, p, application_id)
    approvals = list((await session.execute(
        select(Approval).where(Approval.application_id == app.id).order_by(Approval.id)
        .execution_options(populate_existing=True))).scalars())
    units = await catalog.units_by_id(session, {a.org_unit_id for a in approvals})
    mine = [a for a in approvals if p.covers(Role.handler, units[a.org_unit_id].path)
            and (body.org_unit_id is None or a.org_unit_id == body.org_unit_id)]
    if not mine:
        raise NotHandler("您不是该申请审批部门的经办人")
    if app.status not in DECIDABLE:
        raise APPLICATION.refusal(S(app.status), A.approve if body.decision == "approve" else A.refuse)
    pending = [a for a in mine if a.decision == Decision.pending]
    if not pending:
        raise InvalidTransition("本部门已作出审批决定")
    approval = pending[0]
    unit_name = units[approval.org_unit_id].name
    actor = p.actor(Role.handler)
    errors: list[dict[str, Any]] = []
    results = await claim_uploads(session, p, {"result_attachment_ids": body.result_attachment_ids}, errors)
    if errors:
        raise ValidationFailed([{**e, "field": "result_attachment_ids"} for e in errors])
    if app.status == S.accepted:
        await cases.transition(session, app, A.start, actor, note="开始办理")
    approval.decision = Decision.approved if body.decision == "approve" else Decision.refused
    approval.note, approval.decided_at = body.note, utcnow()
    approval.decided_by_id, approval.decided_by_name = p.id, p.display_name
    for a in results:
        a.owner_type, a.owner_id = RESULT_OWNER, app.id
    if approval.decision == Decision.refused:
        reason = f"{unit_name}：{body.note}"
        await _close_clock(session, app, actor, count=True)
        app.reason, app.decided_at = reason, utcnow()
        await cases.transition(session, app, A.refuse, actor, note=reason, detail={"org_unit": unit_name})
        return app
    await cases.transition(session, app, A.approve, actor, note=body.note, detail={"org_unit": unit_name})
    if all(a.decision == Decision.approved for a in approvals):
        note = body.note or "准予办理"
        await _close_clock(session, app, actor, count=True)
        app.result_note, app.decided_at = note, utcnow()
        await cases.transition(session, app, A.complete, actor, note=note)
    return app


async def withdraw(session: AsyncSession, p: Principal, application_id: int, note: str | None) -> Application:
    app = await for_action(session, p, application_id)
    require_applicant(p, app)
    actor = person(p)
    app.decided_at = utcnow()
    await cases.transition(session, app, A.withdraw, actor, note=note)
    await _close_clock(session, app, actor, count=False)
    return app


async def claim(session: AsyncSession, p: Principal, application_id: int) -> Application:
    """The handler takes an unassigned open case; claiming one's own case again changes nothing."""
    app = await for_action(session, p, application_id)
    await require_owner_handler(session, p, app)
    if not APPLICATION.can(S(app.status), A.claim):
        raise APPLICATION.refusal(S(app.status), A.claim)
    if app.assignee_id is not None and app.assignee_id != p.id:
        raise AlreadyClaimed()
    if app.assignee_id is None:
        app.assignee_id = p.id
        await cases.transition(session, app, A.claim, p.actor(Role.handler))
    return app


def _assignable(owner: OrgUnit) -> ColumnElement[bool]:
    """Active users with a handler grant on the owner unit or a unit above it (the path lists their ids)."""
    above = [int(i) for i in owner.path.strip("/").split("/") if i]
    return and_(User.is_active.is_(True), User.id.in_(
        select(RoleGrant.user_id).where(RoleGrant.role == Role.handler, RoleGrant.org_unit_id.in_(above))))


async def assign(session: AsyncSession, p: Principal, application_id: int, user_id: int) -> Application:
    app = await for_action(session, p, application_id)
    await require_owner_handler(session, p, app)
    if not APPLICATION.can(S(app.status), A.assign):
        raise APPLICATION.refusal(S(app.status), A.assign)
    owner = await unit(session, app.owner_unit_id)
    target = (await session.execute(
        select(User).where(User.id == user_id, _assignable(owner)))).scalar_one_or_none()
    if target is None:
        raise ValidationFailed([{"field": "user_id", "in": "body", "message": "只能分派给本部门的经办人",
                                 "type": "assignee"}])
    app.assignee_id = user_id
    await cases.transition(session, app, A.assign, p.actor(Role.handler), note=f"分派给 {target.display_name}",
                           detail={"assignee_id": user_id})
    return app


async def assignees(session: AsyncSession, p: Principal, application_id: int) -> list[AssigneeRead]:
    """Who the case may be given to, with the open cases each holds, the least loaded first."""
    app = await get(session, p, application_id)
    await require_owner_handler(session, p, app)
    owner = await unit(session, app.owner_unit_id)
    held = (select(func.count()).where(Application.assignee_id == User.id, Application.status.in_(OPEN))
            .scalar_subquery().label("open_applications"))
    rows = await session.execute(
        select(User.id, User.display_name, OrgUnit.id, OrgUnit.name, held)
        .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_assignable(owner)).order_by(held, User.display_name, User.id))
    return [AssigneeRead(id=uid, display_name=name,
                         org_unit=catalog.UnitRef(id=unit_id, name=unit) if unit_id else None,
                         open_applications=n, is_assignee=uid == app.assignee_id)
            for uid, name, unit_id, unit, n in rows.all()]

"""Reading applications: list rows, the detail view, the caller's possible actions and attachments."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.access import get
from api.applications.models import Application, ApplicationEvent, Approval
from api.applications.schemas import (
    ApplicationAttachmentRead,
    ApplicationEventRead,
    ApplicationRead,
    ApplicationSummary,
    ApprovalRead,
    ClockBrief,
)
from api.applications.states import APPLICATION, DECIDABLE, OPEN, Action, ApplicationStatus, Decision
from api.auth.models import Role, User
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.schemas import ClockRead, DeadlineStatus
from api.calendar.workdays import local_date
from api.cases import service as cases
from api.catalog import service as catalog
from api.config import get_settings
from api.database import utcnow
from api.errors import NotFound
from api.files.models import Attachment

MATERIAL_OWNER = "application"
RESULT_OWNER = "application_result"
S, A = ApplicationStatus, Action


async def get_attachment(session: AsyncSession, p: Principal, application_id: int, attachment_id: int) -> Attachment:
    app = await get(session, p, application_id)
    att = (await session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_id == app.id,
        Attachment.owner_type.in_((MATERIAL_OWNER, RESULT_OWNER))))).scalar_one_or_none()
    if att is None:
        raise NotFound("附件不存在")
    return att


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
        cases.clock_join(APPLICATION, DeadlineClock.case_id), DeadlineClock.case_id.in_(app_ids)))).scalars())
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
        select(catalog.Service).where(catalog.Service.id.in_({a.service_id for a in apps})))).scalars()}
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


def _summary(a: Application, service: catalog.ServiceView, names: dict[int, str],
             units: Mapping[int, catalog.UnitView], brief: ClockBrief | None,
             actions: list[str] | None = None) -> ApplicationSummary:
    unit = units[a.owner_unit_id]
    return ApplicationSummary(
        id=a.id, tracking_no=a.tracking_no, service_code=service.code, service_name=service.name, status=a.status,
        status_label=APPLICATION.state_labels[S(a.status)], applicant_name=names.get(a.applicant_id, ""),
        owner_unit=catalog.UnitRef(id=unit.id, name=unit.name),
        assignee_name=names.get(a.assignee_id) if a.assignee_id else None,
        submitted_at=a.submitted_at, decided_at=a.decided_at, deadline=brief, actions=actions or [])


@dataclass
class Parts:
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
    form: Sequence[catalog.FormField]  # the version's form, parsed


# The action endpoints named by the workflow action they perform.
_OWNER_ENDPOINTS = (("accept", A.accept), ("not-accept", A.not_accept), ("supplement-request", A.request_supplement),
                    ("start", A.start))


def actions(p: Principal, app: Application, approvals: list[Approval],
            units: Mapping[int, catalog.UnitView]) -> list[str]:
    """What `p` may do to the case now, named as the action endpoints are, by the same rules they check (the
    SPA shows these buttons and no others; each endpoint still checks for itself). `units` holds the owner
    unit and the approval units."""
    status = S(app.status)
    out: list[str] = []
    if app.applicant_id == p.id:
        if APPLICATION.can(status, A.withdraw):
            out.append("withdraw")
        if APPLICATION.can(status, A.supplement):
            out.append("supplement")
    if not p.has(Role.handler):
        return out
    owner = _owner_actions(p, app, units)
    if owner:
        out += owner
        out += [name for name, action in _OWNER_ENDPOINTS if APPLICATION.can(status, action)]
    if status in DECIDABLE and any(a.decision == Decision.pending and p.covers(Role.handler, units[a.org_unit_id].path)
                                   for a in approvals):
        out.append("decisions")
    return out


async def detail(session: AsyncSession, p: Principal, app: Application) -> ApplicationRead:
    service = await session.get(catalog.Service, app.service_id)
    assert service is not None
    names = await _names(session, {app.applicant_id} | ({app.assignee_id} if app.assignee_id else set()))
    briefs = await _briefs(session, [app.id])
    version = await session.get(catalog.ServiceVersion, app.service_version_id)
    assert version is not None
    atts = list((await session.execute(select(Attachment).where(
        Attachment.owner_id == app.id, Attachment.owner_type.in_((MATERIAL_OWNER, RESULT_OWNER)))
        .order_by(Attachment.id))).scalars())
    approvals = list((await session.execute(
        select(Approval).where(Approval.application_id == app.id).order_by(Approval.id))).scalars())
    units = await catalog.units_by_id(session, {app.owner_unit_id} | {a.org_unit_id for a in approvals})
    events = list((await session.execute(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
                                         .order_by(ApplicationEvent.id))).scalars())
    clock = await cases.clock_of(session, app)
    state = await calendar.clock_state(session, clock) if clock else None
    return render(app, Parts(service, version, names, units, briefs.get(app.id), atts, approvals, events, state,
                             actions(p, app, approvals, units), catalog.form_of(version)))


def render(app: Application, parts: Parts) -> ApplicationRead:
    summary = _summary(app, parts.service, parts.names, parts.units, parts.brief)
    form = list(parts.form)
    field_of = {i: name for name, ids in catalog.file_ids(form, app.data).items() for i in ids}
    return ApplicationRead(
        **summary.model_dump(exclude={"actions"}), service_version=parts.version.version, form=form, data=app.data,
        attachments=[ApplicationAttachmentRead(
            id=a.id, kind="result" if a.owner_type == RESULT_OWNER else "material", field=field_of.get(a.id),
            filename=a.filename, content_type=a.content_type, size=a.size, created_at=a.created_at)
            for a in parts.attachments],
        approvals=[ApprovalRead(org_unit=catalog.UnitRef(id=a.org_unit_id, name=parts.units[a.org_unit_id].name),
                                decision=a.decision, note=a.note, decided_by_name=a.decided_by_name,
                                decided_at=a.decided_at) for a in parts.approvals],
        supplement_request=app.supplement_request, reason=app.reason, result_note=app.result_note,
        on_time=app.on_time, used_working_days=app.used_working_days, clock=parts.clock,
        events=[ApplicationEventRead(
            id=e.id, action=e.action, action_label=_action_label(e.action),
            from_status=e.from_status, to_status=e.to_status, actor_name=e.actor_name, note=e.note,
            detail=e.detail, created_at=e.created_at) for e in parts.events],
        version=app.version, actions=parts.actions)


def _action_label(action: str) -> str:
    return APPLICATION.action_labels[A(action)] if action in A.__members__ else action

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy import select

from api.applications import service
from api.applications.models import Application
from api.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatistics,
    ApplicationSummary,
    AssigneeRead,
    AssignIn,
    DecisionIn,
    NoteIn,
    ReasonIn,
    SupplementIn,
    SupplementRequestIn,
)
from api.applications.states import ApplicationStatus
from api.auth.dependencies import CurrentUser, StaffUser
from api.auth.models import Role
from api.auth.principal import Principal
from api.calendar.models import DeadlineClock
from api.catalog import service as catalog
from api.database import SessionDep
from api.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
    responses,
)
from api.files import service as files
from api.files.schemas import DOWNLOAD_RESPONSES, AttachmentRead
from api.idempotency import service as idempotency
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.validation import Id

router = APIRouter(prefix="/applications", tags=["applications"])

_ACTION_ERRORS = responses(Forbidden, NotFound, InvalidTransition, ValidationFailed)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="重试同一提交时使用相同的键，不会重复创建申请")]


async def _page(request: Request, response: Response, session: SessionDep, principal: Principal, stmt: Any,
                order: list[Any], key: Any, cursor: str | None, limit: int,
                scalars: bool = True) -> Page[ApplicationSummary]:
    rows, next_cursor = await keyset_page(session, stmt, order, key, cursor, limit, scalars=scalars)
    set_link_header(request, response, next_cursor)
    apps = rows if scalars else [r[0] for r in rows]
    return Page(items=await service.summaries(session, apps, principal), next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationRead,
             responses=responses(NotFound, Conflict, ValidationFailed, ServiceUnavailable))
async def submit_application(session: SessionDep, principal: CurrentUser, body: ApplicationCreate,
                             idempotency_key: IdempotencyKey = None) -> Response:
    """Apply for a service; the form is checked against the service's current version."""
    claim = await idempotency.begin(session, principal.id, idempotency_key, "POST /applications",
                                    body.model_dump(mode="json"))
    if claim.replay is not None:
        return claim.replay
    _, content = await service.submit(session, principal, body, claim)  # stores the response with the key
    return Response(content, status_code=status.HTTP_201_CREATED, media_type="application/json")


@router.post("/uploads", status_code=status.HTTP_201_CREATED,
             responses=responses(PayloadTooLarge, UnsupportedMediaType))
async def upload_application_file(session: SessionDep, principal: CurrentUser, file: UploadFile) -> AttachmentRead:
    """Upload a file to name in an application's file field, a supplement or a decision."""
    return AttachmentRead.model_validate(await service.upload(session, principal, file))


@router.get("")
async def list_applications(
    request: Request, response: Response, session: SessionDep, principal: CurrentUser,
    mine: Annotated[bool, Query(description="只看本人提交的申请")] = False,
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    service_code: Annotated[str | None, Query(max_length=32)] = None,
    cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[ApplicationSummary]:
    """Applications the caller may see, newest first."""
    stmt = service.readable_by(principal)
    if mine:
        stmt = stmt.where(Application.applicant_id == principal.id)
    if status_ is not None:
        stmt = stmt.where(Application.status == status_)
    if service_code:
        stmt = stmt.where(Application.service_id.in_(
            select(catalog.Service.id).where(catalog.Service.code == service_code)))
    return await _page(request, response, session, principal, stmt, [(Application.id, True)], lambda a: [a.id],
                       cursor, limit)


@router.get("/queue", responses=responses(Forbidden))
async def list_handler_queue(
    request: Request, response: Response, session: SessionDep, principal: StaffUser,
    assigned_to_me: bool = False, cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[ApplicationSummary]:
    """My department's open cases and pending decisions, most urgent deadline first."""
    if not principal.has(Role.handler):
        raise Forbidden("仅限经办人")
    stmt = service.handler_queue(principal)
    if assigned_to_me:
        stmt = stmt.where(Application.assignee_id == principal.id)
    stmt, due = service.urgency_order(stmt)
    return await _page(request, response, session, principal, stmt, [(due, False), (Application.id, False)],
                       lambda r: [r[1], r[0].id], cursor, limit, scalars=False)


@router.get("/overdue", responses=responses(Forbidden))
async def list_overdue_applications(
    request: Request, response: Response, session: SessionDep, principal: StaffUser,
    cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[ApplicationSummary]:
    """督办: overdue cases in the leader's or handler's units, longest overdue first."""
    if not principal.has(Role.leader, Role.handler):
        raise Forbidden("仅限领导或经办人")
    stmt = service.overdue(principal).add_columns(DeadlineClock.deadline_at)
    return await _page(request, response, session, principal, stmt,
                       [(DeadlineClock.deadline_at, False), (Application.id, False)],
                       lambda r: [r[1], r[0].id], cursor, limit, scalars=False)


@router.get("/statistics", responses=responses(Forbidden))
async def get_application_statistics(
    session: SessionDep, principal: StaffUser,
    since: Annotated[datetime | None, Query(description="提交时间起（含）")] = None,
    until: Annotated[datetime | None, Query(description="提交时间止（不含）")] = None,
) -> ApplicationStatistics:
    """Counts by state, on-time rate, average working days and satisfaction per service and department."""
    if not principal.has(Role.leader, Role.handler):
        raise Forbidden("仅限领导或经办人")
    totals, by_service, by_unit = await service.statistics(session, principal, since, until)
    return ApplicationStatistics(totals=totals, by_service=by_service, by_unit=by_unit)


@router.get("/by-tracking-no/{tracking_no}", responses=responses(NotFound))
async def get_application_by_tracking_no(session: SessionDep, principal: CurrentUser,
                                         tracking_no: str) -> ApplicationRead:
    """Status page by 受理编号, for the applicant (and the staff who handle it)."""
    return await service.detail(session, principal, await service.get_by_tracking_no(session, principal, tracking_no))


@router.get("/{application_id}", responses=responses(NotFound))
async def get_application(session: SessionDep, principal: CurrentUser, application_id: Id) -> ApplicationRead:
    """One application with its form data, attachments, approvals, deadline and timeline."""
    return await service.detail(session, principal, await service.get(session, principal, application_id))


@router.get("/{application_id}/attachments/{attachment_id}", response_class=FileResponse,
            responses={**responses(NotFound), **DOWNLOAD_RESPONSES})
async def download_application_attachment(session: SessionDep, principal: CurrentUser, application_id: Id,
                                          attachment_id: Id) -> FileResponse:
    """Download a material or result document of an application the caller may see."""
    return files.download_response(await service.get_attachment(session, principal, application_id, attachment_id))


@router.post("/{application_id}/accept", responses=_ACTION_ERRORS)
async def accept_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                             body: NoteIn | None = None) -> ApplicationRead:
    """受理: accept the application; the promised time limit starts counting."""
    app = await service.accept(session, principal, application_id, body.note if body else None)
    return await service.detail(session, principal, app)


@router.post("/{application_id}/not-accept", responses=_ACTION_ERRORS)
async def not_accept_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                                 body: ReasonIn) -> ApplicationRead:
    """不予受理, with the reason."""
    app = await service.not_accept(session, principal, application_id, body.reason)
    return await service.detail(session, principal, app)


@router.post("/{application_id}/supplement-request", responses=_ACTION_ERRORS)
async def request_application_supplement(session: SessionDep, principal: CurrentUser, application_id: Id,
                                         body: SupplementRequestIn) -> ApplicationRead:
    """补正: tell the applicant what is missing; the deadline clock pauses."""
    app = await service.request_supplement(session, principal, application_id, body)
    return await service.detail(session, principal, app)


@router.post("/{application_id}/supplement", responses=_ACTION_ERRORS)
async def supply_application_supplement(session: SessionDep, principal: CurrentUser, application_id: Id,
                                        body: SupplementIn) -> ApplicationRead:
    """The applicant supplies what was missing; the case returns to review."""
    return await service.detail(session, principal, await service.supplement(session, principal, application_id, body))


@router.post("/{application_id}/start", responses=_ACTION_ERRORS)
async def start_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                            body: NoteIn | None = None) -> ApplicationRead:
    """Begin handling an accepted application."""
    app = await service.start(session, principal, application_id, body.note if body else None)
    return await service.detail(session, principal, app)


@router.post("/{application_id}/decisions", responses=_ACTION_ERRORS)
async def decide_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                             body: DecisionIn) -> ApplicationRead:
    """One department's approval or refusal (并联审批); all approvals complete the case."""
    return await service.detail(session, principal, await service.decide(session, principal, application_id, body))


@router.post("/{application_id}/withdraw", responses=_ACTION_ERRORS)
async def withdraw_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                               body: NoteIn | None = None) -> ApplicationRead:
    """The applicant withdraws an application that is not yet decided."""
    app = await service.withdraw(session, principal, application_id, body.note if body else None)
    return await service.detail(session, principal, app)


@router.post("/{application_id}/claim", responses=responses(Forbidden, NotFound, Conflict))
async def claim_application(session: SessionDep, principal: CurrentUser, application_id: Id) -> ApplicationRead:
    """Take an application into my own queue."""
    return await service.detail(session, principal, await service.claim(session, principal, application_id))


@router.post("/{application_id}/assign", responses=_ACTION_ERRORS)
async def assign_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                             body: AssignIn) -> ApplicationRead:
    """Give an application to another handler of the department."""
    app = await service.assign(session, principal, application_id, body.user_id)
    return await service.detail(session, principal, app)


@router.get("/{application_id}/assignees", responses=responses(Forbidden, NotFound))
async def list_application_assignees(session: SessionDep, principal: CurrentUser,
                                     application_id: Id) -> list[AssigneeRead]:
    """Handlers the application may be assigned to, with their open cases, the least loaded first."""
    return await service.assignees(session, principal, application_id)

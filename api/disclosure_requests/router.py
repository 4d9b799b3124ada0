from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, UploadFile, status

from api.auth.dependencies import CurrentUser, StaffUser
from api.database import SessionDep
from api.disclosure_requests import documents, fees, service
from api.disclosure_requests.dependencies import RequestForAction
from api.disclosure_requests.exceptions import (
    AlreadyExtended,
    DeadlineNotPassed,
    DeadlinePassed,
    DisclosureRequestNotFound,
    NoFeeDue,
    OnTheSpotNotAllowed,
    SupplementNotAllowed,
)
from api.disclosure_requests.schemas import (
    CloseIn,
    ConsultIn,
    DisclosureRequestAttachmentRead,
    DisclosureRequestCreate,
    DisclosureRequestRead,
    DisclosureRequestRecord,
    DisclosureRequestSummary,
    EndConsultationIn,
    ExtendIn,
    FeeLineRead,
    FeeNoticeIn,
    FeeQuote,
    ReplyIn,
    ReplyTemplate,
    ReviewIn,
    SupplementIn,
    SupplementRequestIn,
)
from api.disclosure_requests.states import LEGAL_BASIS, FeeMethod, Outcome, Reason, RequestStatus
from api.disclosure_requests.views import attachment_read, request_read, summary_read
from api.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    responses,
)
from api.files import service as files
from api.files.schemas import DOWNLOAD_RESPONSES
from api.idempotency import service as idempotency
from api.pagination import CursorParam, LimitParam, Page, set_link_header
from api.validation import Id

router = APIRouter(prefix="/disclosure-requests", tags=["disclosure-requests"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=idempotency.MAX_KEY_LENGTH,
                                              description="重试同一提交时使用相同的键，不会重复提交申请")]
_ACTION_ERRORS = responses(DisclosureRequestNotFound, Forbidden, InvalidTransition, ValidationFailed)


@router.get("/fees", responses=responses(ValidationFailed))
async def quote_fee(
    method: FeeMethod,
    count: Annotated[int | None, Query(ge=1, le=100_000, description="按件：本月第几件申请")] = None,
    pages: Annotated[int | None, Query(ge=0, le=1_000_000, description="按量：页数")] = None,
) -> FeeQuote:
    """The information-processing fee (国办函〔2020〕109号) for one request, by item or by pages, before it is sent."""
    if method == FeeMethod.item:
        if count is None:
            raise service.bad("count", "按件计收须填写本月第几件申请")
        lines, quantity = fees.item_lines(count, count), count
    else:
        if pages is None:
            raise service.bad("pages", "按量计收须填写页数")
        lines, quantity = fees.page_lines(pages), pages
    return FeeQuote(method=method, quantity=quantity, amount=sum(line.amount for line in lines),
                    lines=[FeeLineRead(first=x.first, last=x.last, unit_fee=x.unit_fee, amount=x.amount)
                           for x in lines])


@router.post("/uploads", status_code=status.HTTP_201_CREATED, responses=responses(
    PayloadTooLarge, UnsupportedMediaType))
async def upload_disclosure_request_file(
    session: SessionDep, principal: CurrentUser, file: UploadFile
) -> DisclosureRequestAttachmentRead:
    """Upload a material before submitting the application; list its id in the application's attachment_ids."""
    row = await service.upload(session, principal, file)
    return attachment_read(row, "application")


async def _created(session: SessionDep, principal: CurrentUser, body: DisclosureRequestCreate, scope: str,
                   key: str | None) -> Response:
    claim = await idempotency.begin(session, principal.id, key, scope, body.model_dump(mode="json"))
    if claim.replay is not None:
        return claim.replay
    r = await service.create(session, principal, body)
    text = (await request_read(session, principal, r)).model_dump_json()
    await idempotency.complete(session, claim, status.HTTP_201_CREATED, text, r.id)
    return Response(text, status_code=status.HTTP_201_CREATED, media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DisclosureRequestRead,
             responses=responses(ValidationFailed, idempotency.RequestInFlight))
async def apply_for_disclosure(
    session: SessionDep, principal: CurrentUser, body: DisclosureRequestCreate, idempotency_key: IdempotencyKey = None,
) -> Response:
    """Apply online for government information; the 20-working-day clock starts today."""
    return await _created(session, principal, body, "POST /disclosure-requests", idempotency_key)


@router.post("/recorded", status_code=status.HTTP_201_CREATED, response_model=DisclosureRequestRead,
             responses=responses(Forbidden, ValidationFailed, idempotency.RequestInFlight))
async def record_disclosure_request(
    session: SessionDep, principal: StaffUser, body: DisclosureRequestRecord, idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a request received by letter, fax, e-mail or in person, with its channel and date of receipt."""
    return await _created(session, principal, body, "POST /disclosure-requests/recorded", idempotency_key)


@router.get("", responses=responses(ValidationFailed))
async def list_disclosure_requests(
    request: Request, response: Response, session: SessionDep, principal: CurrentUser,
    mine: Annotated[bool, Query(description="只看本人提交的申请")] = False,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[DisclosureRequestSummary]:
    """Requests the caller may read: their own newest first, or the staff queue by urgency (nearest deadline)."""
    rows, next_cursor = await service.listing(session, principal, mine, status_, cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[summary_read(r, await service.current_clock(session, r)) for r in rows],
                next_cursor=next_cursor)


@router.get("/{request_id}", responses=responses(DisclosureRequestNotFound))
async def get_disclosure_request(
    session: SessionDep, principal: CurrentUser, request_id: Id
) -> DisclosureRequestRead:
    """One request with its clock, history, reply and the actions the caller may take; others' answer 404."""
    return await request_read(session, principal, await service.get_request(session, principal, request_id))


async def _read(session: SessionDep, principal: CurrentUser, request_id: int) -> DisclosureRequestRead:
    return await request_read(session, principal, await service.load(session, request_id))


@router.get("/{request_id}/reply-template", responses=responses(DisclosureRequestNotFound, ValidationFailed))
async def reply_template(
    session: SessionDep, principal: StaffUser, request_id: Id, outcome: Outcome, reason: Reason | None = None,
) -> ReplyTemplate:
    """The reply text and legal basis the template gives for an outcome and reason, for the handler to edit."""
    r = await service.get_request(session, principal, request_id)
    service.check_reason(outcome, reason)
    return ReplyTemplate(body=service.reply_template(r, outcome, reason),
                         legal_basis=LEGAL_BASIS[reason or outcome])


@router.post("/{request_id}/supplement-request", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, ValidationFailed, SupplementNotAllowed))
async def request_supplement(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: SupplementRequestIn
) -> DisclosureRequestRead:
    """告知补正: once, within 7 working days of receipt; the clock waits for the corrected request."""
    await service.request_supplement(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/supplement", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, ValidationFailed, DeadlinePassed))
async def supplement(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: SupplementIn
) -> DisclosureRequestRead:
    """提交补正: the 20 working days run again from today."""
    await service.supplement(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/close-no-supplement", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, DeadlineNotPassed))
async def close_no_supplement(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: CloseIn
) -> DisclosureRequestRead:
    """逾期不补正: after the correction deadline the request is deemed withdrawn and closed."""
    await service.close_no_supplement(session, principal, r)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/extend", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, ValidationFailed, AlreadyExtended))
async def extend(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: ExtendIn
) -> DisclosureRequestRead:
    """延长答复期限: once, at most 20 working days, naming the approver; the applicant is told."""
    await service.extend(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/consult", responses=_ACTION_ERRORS)
async def consult(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: ConsultIn
) -> DisclosureRequestRead:
    """征求意见 of a third party or another agency (15 working days); the clock is paused meanwhile."""
    await service.consult(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/end-consultation", responses=_ACTION_ERRORS)
async def end_consultation(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: EndConsultationIn
) -> DisclosureRequestRead:
    """The consultation is over (answered, or the 15 days passed): the clock runs again."""
    await service.end_consultation(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/fee-notice", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, ValidationFailed, NoFeeDue))
async def notify_fee(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: FeeNoticeIn
) -> DisclosureRequestRead:
    """收费通知 by item or by pages; the clock waits for the payment."""
    await service.notify_fee(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/payment", responses=_ACTION_ERRORS)
async def record_payment(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: CloseIn
) -> DisclosureRequestRead:
    """The fee was paid: the clock runs again."""
    await service.record_payment(session, principal, r)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/close-unpaid", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, DeadlineNotPassed))
async def close_unpaid(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: CloseIn
) -> DisclosureRequestRead:
    """逾期未缴费: after the payment deadline the request is no longer processed."""
    await service.close_unpaid(session, principal, r)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/reply", responses=_ACTION_ERRORS)
async def reply(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: ReplyIn
) -> DisclosureRequestRead:
    """答复 with one of the law's outcomes, its reason and legal basis, and the applicant's remedies."""
    await service.reply(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/on-the-spot-reply", responses=responses(
    DisclosureRequestNotFound, Forbidden, InvalidTransition, ValidationFailed, OnTheSpotNotAllowed))
async def reply_on_the_spot(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: ReplyIn
) -> DisclosureRequestRead:
    """当场答复: answer a request on the day it was received, before any other step; it is closed today."""
    await service.reply_on_the_spot(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/review", responses=_ACTION_ERRORS)
async def record_review(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, body: ReviewIn
) -> DisclosureRequestRead:
    """Record the 行政复议 or 行政诉讼 brought against the reply and its result."""
    await service.record_review(session, principal, r, body)
    return await _read(session, principal, r.id)


@router.post("/{request_id}/attachments", status_code=status.HTTP_201_CREATED, responses=responses(
    DisclosureRequestNotFound, Forbidden, PayloadTooLarge, UnsupportedMediaType))
async def add_attachment(
    session: SessionDep, principal: CurrentUser, r: RequestForAction, file: UploadFile
) -> DisclosureRequestAttachmentRead:
    """The applicant adds materials; the handler adds the files the reply discloses."""
    row = await service.add_attachment(session, principal, r, file)
    return attachment_read(row, "reply" if row.owner_type == service.REPLY_FILES else "application")


@router.get("/{request_id}/attachments/{attachment_id}", response_class=Response,
            responses={**responses(DisclosureRequestNotFound, NotFound), **DOWNLOAD_RESPONSES})
async def download_attachment(
    session: SessionDep, principal: CurrentUser, request_id: Id, attachment_id: Id
) -> Response:
    """Download one of the request's files."""
    r = await service.get_request(session, principal, request_id)
    return files.download_response(await service.attachment_file(session, r, attachment_id))


@router.get("/{request_id}/reply.docx", response_class=Response,
            responses={**responses(DisclosureRequestNotFound, NotFound),
                       200: {"content": {documents.DOCX_TYPE: {}}, "description": "答复书（Word）"}})
async def download_reply(session: SessionDep, principal: CurrentUser, request_id: Id) -> Response:
    """The reply document (政府信息公开申请答复书) as .docx."""
    r = await service.get_request(session, principal, request_id)
    if r.reply_body is None:
        raise NotFound("该申请尚未答复")
    return Response(documents.reply_docx(r), media_type=documents.DOCX_TYPE, headers={
        "Content-Disposition": files.content_disposition(f"政府信息公开申请答复书-{r.tracking_no}.docx")})

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, UploadFile, status

from api.auth.dependencies import AdminUser, CurrentUser, OptionalUser, StaffUser, client_ip
from api.auth.models import Role
from api.auth.principal import Principal
from api.calendar.workdays import local_date
from api.captcha.service import CaptchaInvalid
from api.complaints import handling, mailboxes, publication, reminders, service, statistics, submission
from api.complaints.dependencies import ComplaintForAction, LeaderUser
from api.complaints.exceptions import (
    AlreadyRated,
    ComplaintNotFound,
    LookupFailed,
    MailboxNotFound,
    PublicationNotAllowed,
)
from api.complaints.models import Complaint, ComplaintPublication
from api.complaints.schemas import (
    AcceptIn,
    AttachmentUploaded,
    ComplaintAttachmentRead,
    ComplaintCreate,
    ComplaintPublicView,
    ComplaintRead,
    ComplaintReceipt,
    ComplaintSummary,
    DraftIn,
    ExtendIn,
    ForwardIn,
    LookupIn,
    LookupRatingIn,
    MailboxCreate,
    MailboxRead,
    MailboxUpdate,
    NotAcceptIn,
    OpinionIn,
    PublicationDraft,
    PublicationRead,
    PublicSummary,
    RatingIn,
    ReviewIn,
    StatisticsRead,
)
from api.complaints.states import ComplaintChannel, ComplaintKind, ComplaintStatus
from api.complaints.views import complaint_read, mailbox_read, public_view, publication_read, summary_read
from api.database import LIKE_ESCAPE, SessionDep, escape_like, utcnow
from api.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
    ValidationFailed,
    responses,
)
from api.files import service as files
from api.files.schemas import DOWNLOAD_RESPONSES
from api.idempotency import service as idempotency
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.partners.dependencies import RelayingClient
from api.publiccache.middleware import public_read
from api.validation import Id
from api.wechat import service as wechat
from api.wechat.exceptions import ContentRisky

mailboxes_router = APIRouter(prefix="/mailboxes", tags=["complaints"])
router = APIRouter(prefix="/complaints", tags=["complaints"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=idempotency.MAX_KEY_LENGTH,
                                              description="重试同一提交时使用相同的键，不会重复提交来信")]
_ACTION_ERRORS = responses(ComplaintNotFound, Forbidden, InvalidTransition, ValidationFailed)


@mailboxes_router.get("")
async def list_mailboxes(session: SessionDep) -> list[MailboxRead]:
    """The open mailboxes (局长信箱, 投诉, 咨询, 建议) with their owners and reply limits."""
    return [mailbox_read(m) for m in await mailboxes.list_mailboxes(session)]


@mailboxes_router.post("", status_code=status.HTTP_201_CREATED, responses=responses(Forbidden, ValidationFailed))
async def create_mailbox(session: SessionDep, admin: AdminUser, body: MailboxCreate) -> MailboxRead:
    """Open a mailbox with an owner unit and a reply limit in working days."""
    return mailbox_read(await mailboxes.create_mailbox(session, body, admin.actor(Role.admin)))


@mailboxes_router.patch("/{mailbox_id}", responses=responses(Forbidden, MailboxNotFound, ValidationFailed))
async def update_mailbox(session: SessionDep, admin: AdminUser, mailbox_id: Id, body: MailboxUpdate) -> MailboxRead:
    """Change a mailbox's name, owner, reply limit or whether it accepts letters."""
    return mailbox_read(await mailboxes.update_mailbox(session, mailbox_id, body, admin.actor(Role.admin)))


@router.post("/attachments", status_code=status.HTTP_201_CREATED,
             responses=responses(PayloadTooLarge, UnsupportedMediaType, RateLimited))
async def upload_complaint_attachment(
    request: Request, session: SessionDep, principal: OptionalUser, file: UploadFile
) -> AttachmentUploaded:
    """Upload one attachment before submitting; the letter claims it with the returned id and token."""
    return await submission.store_upload(session, file, principal, client_ip(request))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ComplaintReceipt,
             responses=responses(ValidationFailed, CaptchaInvalid, RateLimited, idempotency.RequestInFlight,
                                 ContentRisky))
async def submit_complaint(
    request: Request, session: SessionDep, principal: OptionalUser, client: RelayingClient, body: ComplaintCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Write to a mailbox; anonymous writers solve the captcha. Returns the tracking number and query code. A
    WeChat user's text goes through WeChat's msg_sec_check first (when WeChat is configured): 422 content_risky.
    A registered client with the requests:write scope files on a writer's behalf (no captcha; the channel and the
    client are recorded)."""
    ip = client_ip(request)
    if principal is not None:
        await wechat.check_text(session, principal.id, body.subject, body.body)
    relay = (submission.Relay(ComplaintChannel.partner, client.pk, client.name or client.client_id)
             if client is not None else None)
    claim = await submission.claim_submission(session, principal, body, ip, idempotency_key, relay)
    if claim.replay is not None:
        return claim.replay
    receipt = await submission.submit(session, principal, body, ip, claim, relay=relay)
    return Response(receipt, status_code=status.HTTP_201_CREATED, media_type="application/json")


async def _public_view(session: SessionDep, c: Complaint) -> ComplaintPublicView:
    view = public_view(c, await service.current_clock(session, c), await service.approved_replies(session, c),
                       await service.events(session, c, public_only=True))
    view.attachments = [ComplaintAttachmentRead.model_validate(a) for a in await service.attachments_of(session, c)]
    return view


@router.post("/lookup", responses=responses(LookupFailed, RateLimited))
async def lookup_complaint(request: Request, session: SessionDep, body: LookupIn) -> ComplaintPublicView:
    """Status, explanations and replies of a letter, for its tracking number and query code."""
    c = await submission.lookup(session, body.tracking_no, body.query_code, client_ip(request))
    return await _public_view(session, c)




@router.post("/lookup/attachments/{attachment_id}", response_class=Response,
             responses={**responses(LookupFailed, RateLimited, NotFound), **DOWNLOAD_RESPONSES})
async def download_complaint_attachment_by_code(
    request: Request, session: SessionDep, body: LookupIn, attachment_id: Id
) -> Response:
    """Download an attachment of a letter, for its tracking number and query code."""
    c = await submission.lookup(session, body.tracking_no, body.query_code, client_ip(request))
    return files.download_response(await service.attachment_file(session, c, attachment_id))


@router.post("/lookup/rating", responses=responses(LookupFailed, RateLimited, InvalidTransition, AlreadyRated))
async def rate_complaint_by_code(request: Request, session: SessionDep, body: LookupRatingIn) -> ComplaintPublicView:
    """The writer rates the reply (满意 / 基本满意 / 不满意) with the tracking number and query code."""
    c = await submission.lookup(session, body.tracking_no, body.query_code, client_ip(request), for_update=True)
    await handling.rate(session, c, body.satisfaction, body.comment, service.ANONYMOUS)
    return await _public_view(session, await service.load(session, c.id))


@router.post("/{complaint_id}/rating", responses=responses(ComplaintNotFound, InvalidTransition, AlreadyRated))
async def rate_complaint(
    session: SessionDep, principal: CurrentUser, complaint: ComplaintForAction, body: RatingIn
) -> ComplaintPublicView:
    """The signed-in writer rates the reply to their own letter."""
    if complaint.writer_id != principal.id:
        raise ComplaintNotFound()
    await handling.rate(session, complaint, body.satisfaction, body.comment, principal.actor())
    return await _public_view(session, await service.load(session, complaint.id))


async def _mailbox_names(session: SessionDep) -> dict[int, str]:
    return {m.id: m.name for m in await mailboxes.list_mailboxes(session, include_inactive=True)}


@router.get("/published")
@public_read()
async def list_published_complaints(
    request: Request, response: Response, session: SessionDep,
    q: Annotated[str | None, Query(max_length=100, description="标题、来信或答复中的词")] = None,
    mailbox_id: Id | None = None, cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[PublicationRead]:
    """Published letters and replies (公开选登), newest first, with personal data masked."""
    order = [(ComplaintPublication.published_at, True), (ComplaintPublication.id, True)]
    rows, next_cursor = await keyset_page(session, publication.published_query(q, mailbox_id), order,
                                          lambda p: [p.published_at, p.id], cursor, limit)
    names = await _mailbox_names(session)
    set_link_header(request, response, next_cursor)
    return Page(items=[publication_read(p, names.get(p.mailbox_id, "")) for p in rows], next_cursor=next_cursor)


@router.get("/published/{publication_id}", responses=responses(NotFound))
@public_read()
async def get_published_complaint(session: SessionDep, publication_id: Id) -> PublicationRead:
    """One published letter and its reply."""
    stmt = publication.published_query().where(ComplaintPublication.id == publication_id)
    pub = (await session.execute(stmt)).scalar_one_or_none()
    if pub is None:
        raise NotFound("该公开信件不存在或已撤回")
    return publication_read(pub, (await _mailbox_names(session)).get(pub.mailbox_id, ""))


@router.get("/summary")
async def get_complaint_summary(session: SessionDep) -> PublicSummary:
    """This month's figures for the public: letters received, replied, 办复率 and satisfaction."""
    return await statistics.public_summary(session)


@router.get("/statistics", responses=responses(Forbidden, ValidationFailed))
async def get_complaint_statistics(
    session: SessionDep, principal: StaffUser,
    start: Annotated[date | None, Query(description="起始日期（含），默认本月 1 日")] = None,
    end: Annotated[date | None, Query(description="截止日期（含），默认今天")] = None,
) -> StatisticsRead:
    """Received, accepted, replied, 办复率, on-time rate, working days and satisfaction per mailbox and unit."""
    today = local_date(utcnow())
    end = end or today
    start = start or end.replace(day=1)
    if start > end or end - start > timedelta(days=366):
        raise ValidationFailed([{"field": "start", "in": "query", "message": "日期范围无效（最长一年）",
                                 "type": "date_range"}])
    return await statistics.statistics(session, start, end)


async def _summaries(session: SessionDep, rows: list[Complaint]) -> list[ComplaintSummary]:
    return [summary_read(c, await service.current_clock(session, c)) for c in rows]


@router.get("/overdue", responses=responses(Forbidden))
async def list_overdue_complaints(session: SessionDep, principal: LeaderUser) -> list[ComplaintSummary]:
    """Open letters past their reply limit in the leader's units, most overdue first."""
    return await _summaries(session, await reminders.overdue(session, principal))


@router.get("")
async def list_complaints(
    request: Request, response: Response, session: SessionDep, principal: CurrentUser,
    status_: Annotated[list[ComplaintStatus] | None, Query(alias="status")] = None,
    mailbox_id: Id | None = None, kind: ComplaintKind | None = None,
    q: Annotated[str | None, Query(max_length=100, description="受理编号或标题")] = None,
    mine: Annotated[bool, Query(description="只看本人写的信（个人中心）")] = False,
    cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[ComplaintSummary]:
    """Letters the caller may see: their own, or the queue of their units; newest first."""
    stmt = service.with_relations(service.readable_by(principal))
    if mine:
        stmt = stmt.where(Complaint.writer_id == principal.id)
    if status_:
        stmt = stmt.where(Complaint.status.in_(status_))
    if mailbox_id is not None:
        stmt = stmt.where(Complaint.mailbox_id == mailbox_id)
    if kind is not None:
        stmt = stmt.where(Complaint.kind == kind)
    if q:
        stmt = stmt.where((Complaint.tracking_no == q.strip().upper()) | Complaint.subject.like(
            f"%{escape_like(q.strip())}%", escape=LIKE_ESCAPE))
    rows, next_cursor = await keyset_page(session, stmt, [(Complaint.submitted_at, True), (Complaint.id, True)],
                                          lambda c: [c.submitted_at, c.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=await _summaries(session, rows), next_cursor=next_cursor)


async def _read(session: SessionDep, principal: Principal, complaint_id: int) -> ComplaintRead:
    c = await service.load(session, complaint_id)
    d = await service.detail(session, principal, c)
    published = d.publication is not None and d.publication.withdrawn_at is None
    # The writer's own allowed action (rating the reply) too: may() gives a non-staff caller nothing else.
    return complaint_read(d, service.allowed_actions(principal, c, published))


@router.get("/{complaint_id}", responses=responses(ComplaintNotFound))
async def get_complaint(
    session: SessionDep, principal: CurrentUser, complaint_id: Id
) -> ComplaintRead:
    """One letter with its history; staff on the case also see drafts and internal steps."""
    c = await service.get_complaint(session, principal, complaint_id)
    return await _read(session, principal, c.id)


@router.get("/{complaint_id}/attachments/{attachment_id}", response_class=Response,
            responses={**responses(ComplaintNotFound, NotFound), **DOWNLOAD_RESPONSES})
async def download_complaint_attachment(
    session: SessionDep, principal: CurrentUser, complaint_id: Id,
    attachment_id: Id,
) -> Response:
    """Download an attachment of a letter the caller may read (the writer, or staff on the case)."""
    c = await service.get_complaint(session, principal, complaint_id)
    return files.download_response(await service.attachment_file(session, c, attachment_id))


@router.post("/{complaint_id}/accept", responses=_ACTION_ERRORS)
async def accept_complaint(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: AcceptIn
) -> ComplaintRead:
    """受理: the mailbox's owner unit accepts the letter."""
    await handling.accept(session, principal, complaint, body.note)
    return await _read(session, principal, complaint.id)


@router.post("/{complaint_id}/not-accept", responses=_ACTION_ERRORS)
async def not_accept_complaint(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: NotAcceptIn
) -> ComplaintRead:
    """不予受理 as invalid (spam, abuse, not the agency's business), with a reason the writer sees."""
    await handling.not_accept(session, principal, complaint, body.reason, body.note)
    return await _read(session, principal, complaint.id)


@router.post("/{complaint_id}/forward", responses=_ACTION_ERRORS)
async def forward_complaint(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: ForwardIn
) -> ComplaintRead:
    """转办 to one or more departments with one lead; forwarding again keeps the earlier forwards in the history."""
    await handling.forward(session, principal, complaint, body)
    return await _read(session, principal, complaint.id)


@router.post("/{complaint_id}/opinions", responses=_ACTION_ERRORS)
async def add_complaint_opinion(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: OpinionIn
) -> ComplaintRead:
    """An assisting department's opinion for the lead department."""
    await handling.add_opinion(session, principal, complaint, body.body)
    return await _read(session, principal, complaint.id)


@router.post("/{complaint_id}/draft", responses=_ACTION_ERRORS)
async def draft_complaint_reply(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: DraftIn
) -> ComplaintRead:
    """The handler drafts the reply and sends it for leader review."""
    await handling.draft_reply(session, principal, complaint, body.body)
    return await _read(session, principal, complaint.id)


@router.post("/{complaint_id}/review", responses=_ACTION_ERRORS)
async def review_complaint_reply(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: ReviewIn
) -> ComplaintRead:
    """The leader approves the draft (the writer receives it) or returns it with comments."""
    await handling.review(session, principal, complaint, body.decision, body.comment)
    return await _read(session, principal, complaint.id)


@router.post("/{complaint_id}/extend", responses=_ACTION_ERRORS)
async def extend_complaint(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: ExtendIn
) -> ComplaintRead:
    """Extend the reply limit with a written explanation shown to the writer."""
    await handling.extend(session, principal, complaint, body.days, body.explanation)
    return await _read(session, principal, complaint.id)


@router.get("/{complaint_id}/publication-preview", responses=_ACTION_ERRORS | responses(PublicationNotAllowed))
async def preview_complaint_publication(
    session: SessionDep, principal: StaffUser, complaint_id: Id
) -> PublicationDraft:
    """The letter and reply with names, phone and ID numbers and addresses masked, for the editor to review."""
    c = await service.get_complaint(session, principal, complaint_id)
    return await publication.publication_preview(session, principal, c)


@router.post("/{complaint_id}/publication", status_code=status.HTTP_201_CREATED,
             responses=_ACTION_ERRORS | responses(PublicationNotAllowed))
async def publish_complaint(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction, body: PublicationDraft
) -> PublicationRead:
    """Publish the reviewed, masked letter and reply (公开选登); masking runs again on the edited text."""
    pub = await publication.publish(session, principal, complaint, body)
    return publication_read(pub, complaint.mailbox.name)


@router.delete("/{complaint_id}/publication", status_code=status.HTTP_204_NO_CONTENT, responses=_ACTION_ERRORS)
async def withdraw_complaint_publication(
    session: SessionDep, principal: StaffUser, complaint: ComplaintForAction
) -> None:
    """Take a published letter off the public list."""
    await publication.withdraw_publication(session, principal, complaint)


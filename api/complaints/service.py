"""Complaint rules and queries: submission, triage, forwarding, drafts and leader review, replies,
ratings, publication and statistics. Flushes, never commits."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.audit.service import SYSTEM, Actor
from api.auth.models import OrgUnit, Role, RoleGrant, User
from api.auth.passwords import hash_password, verify_password
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus, DeadlineClock
from api.calendar.schemas import ClockRead, DeadlineStatus
from api.calendar.workdays import SHANGHAI, local_date
from api.captcha import service as captcha
from api.complaints.exceptions import (
    AlreadyRated,
    ComplaintNotFound,
    LookupFailed,
    MailboxNotFound,
    PublicationNotAllowed,
)
from api.complaints.masking import mask_text
from api.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintForward,
    ComplaintPublication,
    ComplaintReminder,
    ComplaintReply,
    Mailbox,
)
from api.complaints.schemas import (
    AttachmentUploaded,
    ComplaintCreate,
    ComplaintReceipt,
    ComplaintStatsRow,
    DueJobsReport,
    ForwardIn,
    MailboxCreate,
    MailboxUpdate,
    PublicationDraft,
    PublicSummary,
    StatisticsRead,
)
from api.complaints.states import (
    ANSWERED,
    OPEN,
    ComplaintAction,
    ComplaintKind,
    ComplaintStatus,
    NotAcceptReason,
    Satisfaction,
    can_transition,
)
from api.database import utcnow
from api.errors import Forbidden, InvalidTransition, NotFound, RateLimited, ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.idempotency import service as idempotency
from api.notifications import service as notifications
from api.ratelimit import get_counter

S = ComplaintStatus
A = ComplaintAction
CASE_TYPE = "complaint"
REOPENED_CASE_TYPE = "complaint_reopened"
AUTO_CLOSE_WORKING_DAYS = 20
DEFAULT_REPLY_DAYS = {ComplaintKind.inquiry: 5}
DEFAULT_OTHER_REPLY_DAYS = 10
# Anonymous writers, per IP: submissions per hour, attachment uploads per hour; lookups per 10 minutes.
ANON_SUBMISSIONS_PER_HOUR = 5
ANON_UPLOADS_PER_HOUR = 20
LOOKUPS_PER_WINDOW = 30
LOOKUP_WINDOW = 600
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ANONYMOUS = Actor(None, "来信人", "public")
TRIAGE_ROLES = (Role.handler, Role.leader)



def case_type(c: Complaint) -> str:
    """A reopened case gets a second clock (the first one's history stays as it was)."""
    return CASE_TYPE if c.reopen_count == 0 else REOPENED_CASE_TYPE


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": "complaint"}])


def _ip_hash(ip: str) -> str:
    return hashlib.sha256(f"complaint-writer:{ip}".encode()).hexdigest()


async def _limit(key: str, limit: int, window: int) -> None:
    count, ttl = await get_counter().incr(key, window)
    if count > limit:
        raise RateLimited(ttl)


# --- mailboxes -------------------------------------------------------------------------------------

async def list_mailboxes(session: AsyncSession, include_inactive: bool = False) -> list[Mailbox]:
    stmt = select(Mailbox).options(selectinload(Mailbox.owner_unit)).order_by(Mailbox.sort_order, Mailbox.id)
    if not include_inactive:
        stmt = stmt.where(Mailbox.is_active.is_(True))
    return list((await session.execute(stmt)).scalars())


async def get_mailbox(session: AsyncSession, mailbox_id: int) -> Mailbox:
    mailbox = (await session.execute(select(Mailbox).options(selectinload(Mailbox.owner_unit))
                                     .where(Mailbox.id == mailbox_id))).scalar_one_or_none()
    if mailbox is None:
        raise MailboxNotFound()
    return mailbox


async def _unit(session: AsyncSession, unit_id: int, field: str) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise _bad(field, "部门不存在")
    return unit


async def create_mailbox(session: AsyncSession, data: MailboxCreate, actor: Actor) -> Mailbox:
    if (await session.execute(select(Mailbox.id).where(Mailbox.code == data.code))).first():
        raise _bad("code", "信箱代码已存在")
    await _unit(session, data.owner_unit_id, "owner_unit_id")
    days = data.reply_days or DEFAULT_REPLY_DAYS.get(data.default_kind, DEFAULT_OTHER_REPLY_DAYS)
    mailbox = Mailbox(code=data.code, name=data.name, description=data.description, default_kind=data.default_kind,
                      owner_unit_id=data.owner_unit_id, reply_days=days)
    session.add(mailbox)
    await session.flush()
    await audit.record(session, actor, "mailbox.create", "mailbox", mailbox.id,
                       {"code": data.code, "reply_days": days})
    return await get_mailbox(session, mailbox.id)


async def update_mailbox(session: AsyncSession, mailbox_id: int, data: MailboxUpdate, actor: Actor) -> Mailbox:
    mailbox = await get_mailbox(session, mailbox_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("owner_unit_id") is not None:
        await _unit(session, changes["owner_unit_id"], "owner_unit_id")
    for field, value in changes.items():
        if value is not None:
            setattr(mailbox, field, value)
    await session.flush()
    await audit.record(session, actor, "mailbox.update", "mailbox", mailbox.id, changes)
    session.expunge(mailbox)
    return await get_mailbox(session, mailbox_id)


# --- visibility ------------------------------------------------------------------------------------

def _in_scope(paths: list[str]) -> Any:
    return or_(*[OrgUnit.path.startswith(p) for p in paths]) if paths else false()


def readable_by(principal: Principal) -> Select[Any]:
    """The writer's own letters; staff: letters to mailboxes their unit owns, or forwarded to their units;
    editors: answered letters whose writer consented to publication, in mailboxes their unit owns."""
    conditions: list[Any] = [Complaint.writer_id == principal.id]
    if principal.is_staff:
        triage = principal.scope_paths(*TRIAGE_ROLES)
        if triage:
            conditions.append(Complaint.mailbox_id.in_(
                select(Mailbox.id).join(OrgUnit, OrgUnit.id == Mailbox.owner_unit_id).where(_in_scope(triage))))
            conditions.append(exists().where(
                ComplaintForward.complaint_id == Complaint.id,
                ComplaintForward.org_unit_id.in_(select(OrgUnit.id).where(_in_scope(triage)))))
        editors = principal.scope_paths(Role.editor)
        if editors:
            conditions.append(and_(
                Complaint.status.in_(ANSWERED), Complaint.consent_publish.is_(True),
                Complaint.mailbox_id.in_(select(Mailbox.id).join(OrgUnit, OrgUnit.id == Mailbox.owner_unit_id)
                                         .where(_in_scope(editors)))))
    return select(Complaint).where(or_(*conditions))


def _with_relations(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(
        selectinload(Complaint.mailbox).selectinload(Mailbox.owner_unit),
        selectinload(Complaint.lead_unit),
        selectinload(Complaint.reply_unit),
        selectinload(Complaint.forwards).selectinload(ComplaintForward.org_unit),
    )


async def get_complaint(session: AsyncSession, principal: Principal, complaint_id: int,
                        for_update: bool = False) -> Complaint:
    stmt = _with_relations(readable_by(principal).where(Complaint.id == complaint_id))
    if for_update:
        stmt = stmt.with_for_update(of=Complaint)
    c = (await session.execute(stmt)).scalar_one_or_none()
    if c is None:
        raise ComplaintNotFound()
    return c


async def _load(session: AsyncSession, complaint_id: int) -> Complaint:
    return (await session.execute(_with_relations(select(Complaint).where(Complaint.id == complaint_id))
                                  .execution_options(populate_existing=True))).scalar_one()


# --- who may do what -------------------------------------------------------------------------------

def handling_unit(c: Complaint) -> OrgUnit:
    """The lead department once forwarded, else the mailbox's owner unit."""
    return c.lead_unit if c.lead_unit is not None else c.mailbox.owner_unit


def _active_forwards(c: Complaint) -> list[ComplaintForward]:
    return [f for f in c.forwards if f.active]


def _may(principal: Principal, c: Complaint, action: A) -> bool:
    owner = c.mailbox.owner_unit.path
    handling = handling_unit(c).path
    if action in (A.accept, A.not_accept, A.forward):
        return principal.covers(Role.handler, owner) or principal.covers(Role.leader, owner)
    if action == A.draft:
        return principal.covers(Role.handler, handling) or principal.covers(Role.leader, handling)
    if action == A.opinion:
        return any(principal.covers(Role.handler, f.org_unit.path) for f in _active_forwards(c) if not f.is_lead)
    if action in (A.approve, A.return_draft, A.extend):
        return principal.covers(Role.leader, handling) or (action == A.extend and principal.covers(Role.leader, owner))
    if action in (A.publish, A.withdraw_publication):
        return principal.covers(Role.editor, owner)
    if action == A.rate:
        return c.writer_id == principal.id
    return False


_ACTION_STATES: dict[A, frozenset[S]] = {
    A.accept: frozenset({S.submitted}),
    A.not_accept: frozenset({S.submitted}),
    A.forward: frozenset({S.accepted, S.forwarded}),
    A.opinion: frozenset({S.forwarded, S.pending_review}),
    A.draft: frozenset({S.accepted, S.forwarded}),
    A.approve: frozenset({S.pending_review}),
    A.return_draft: frozenset({S.pending_review}),
    A.extend: OPEN,
    A.rate: frozenset({S.replied}),
    A.publish: ANSWERED,
    A.withdraw_publication: ANSWERED,
}


def allowed_actions(principal: Principal, c: Complaint, published: bool) -> list[str]:
    out = []
    for action, states in _ACTION_STATES.items():
        if c.status not in states or not _may(principal, c, action):
            continue
        if action == A.publish and (published or not c.consent_publish):
            continue
        if action == A.withdraw_publication and not published:
            continue
        out.append(action.value)
    return out


def _require(principal: Principal, c: Complaint, action: A) -> None:
    if not _may(principal, c, action):
        raise Forbidden("您无权对该来信执行此操作")
    if c.status not in _ACTION_STATES[action]:
        raise InvalidTransition(f"来信当前状态（{c.status}）不允许此操作")


def is_staff_reader(principal: Principal, c: Complaint) -> bool:
    """Staff who work on the case see drafts and internal history; the writer sees only public steps."""
    if not principal.is_staff:
        return False
    paths = [c.mailbox.owner_unit.path] + [f.org_unit.path for f in c.forwards]
    return any(principal.covers(r, p) for r in (*TRIAGE_ROLES, Role.editor) for p in paths)


# --- history ---------------------------------------------------------------------------------------

async def add_event(session: AsyncSession, c: Complaint, action: A, actor: Actor, note: str | None = None,
                    public: bool = False, from_status: S | None = None, to_status: S | None = None,
                    at: datetime | None = None, summary: dict[str, Any] | None = None) -> None:
    session.add(ComplaintEvent(complaint_id=c.id, action=action.value, from_status=from_status,
                               to_status=to_status, actor_id=actor.id, actor_name=actor.name, note=note,
                               public=public, at=at or utcnow()))
    await session.flush()
    await audit.record(session, actor, f"complaint.{action.value}", "complaint", c.id,
                       {"tracking_no": c.tracking_no, "from": from_status, "to": to_status, **(summary or {})})


async def transition(session: AsyncSession, c: Complaint, to: S, actor: Actor, action: A,
                     note: str | None = None, public: bool = True, at: datetime | None = None,
                     summary: dict[str, Any] | None = None) -> None:
    """The one way a complaint changes state: checks the table, appends an event and an audit record."""
    if not can_transition(c.status, to):
        raise InvalidTransition(f"来信不能从 {c.status} 变为 {to}")
    src = c.status
    c.status = to
    await add_event(session, c, action, actor, note, public, src, to, at, summary)


ATTACHMENT_OWNER = "complaint_attachment"  # the files kernel's owner_type; owner_id is ComplaintAttachment.id


async def attachments_of(session: AsyncSession, c: Complaint) -> list[ComplaintAttachment]:
    return list((await session.execute(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == c.id)
                                       .order_by(ComplaintAttachment.id))).scalars())


async def attachment_file(session: AsyncSession, c: Complaint, attachment_id: int) -> Attachment:
    """The stored file of one of this letter's attachments (404 for any other id)."""
    row = (await session.execute(select(ComplaintAttachment).where(
        ComplaintAttachment.id == attachment_id, ComplaintAttachment.complaint_id == c.id))).scalar_one_or_none()
    if row is None or row.attachment_id is None:
        raise NotFound("附件不存在")
    return await files.get_for(session, ATTACHMENT_OWNER, row.id, row.attachment_id)


# --- submission ------------------------------------------------------------------------------------

def _new_query_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


async def store_upload(session: AsyncSession, upload: Any, principal: Principal | None, ip: str
                       ) -> AttachmentUploaded:
    if principal is None:
        await _limit(f"complaints:upload:{ip}", ANON_UPLOADS_PER_HOUR, 3600)
    stored = await files.store_upload(session, upload, ATTACHMENT_OWNER, None, principal.id if principal else None)
    token = secrets.token_urlsafe(24)
    row = ComplaintAttachment(attachment_id=stored.id, filename=stored.filename,
                              content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                              token_hash=hashlib.sha256(token.encode()).hexdigest(),
                              uploaded_by_id=principal.id if principal else None)
    session.add(row)
    await session.flush()
    stored.owner_id = row.id
    await session.flush()
    return AttachmentUploaded(id=row.id, upload_token=token, filename=row.filename,
                              content_type=row.content_type, size=row.size)


SUBMIT_SCOPE = "POST /complaints"


async def claim_submission(session: AsyncSession, principal: Principal | None, data: ComplaintCreate, ip: str,
                           key: str | None) -> idempotency.Claim:
    """The Idempotency-Key claim of a submission: the writer's, or an anonymous writer's per hashed IP. The
    receipt holds the plain 查询码, so it is stored sealed (see api/idempotency)."""
    return await idempotency.begin(session, principal.id if principal else None, key, SUBMIT_SCOPE,
                                   data.fingerprint_payload(), client_hash=None if principal else _ip_hash(ip),
                                   sealed=True)


async def submit(session: AsyncSession, principal: Principal | None, data: ComplaintCreate, ip: str,
                 claim: idempotency.Claim, now: datetime | None = None) -> str:
    """Receive a letter: captcha and per-IP limit for anonymous writers, a tracking number and a query code.
    Returns the receipt as JSON, stored with the claim for a retry."""
    now = now or utcnow()
    if principal is None:
        await _limit(f"complaints:submit:{ip}", ANON_SUBMISSIONS_PER_HOUR, 3600)
        await captcha.verify(session, data.captcha_id, data.captcha_answer)
    c, code, due = await receive(session, principal, data, ip, now)
    receipt = ComplaintReceipt(tracking_no=c.tracking_no, query_code=code, status=c.status,
                               mailbox_name=c.mailbox.name, submitted_at=now, reply_due_date=due).model_dump_json()
    await idempotency.complete(session, claim, 201, receipt, c.id)
    return receipt


async def receive(session: AsyncSession, principal: Principal | None, data: ComplaintCreate, ip: str,
                  now: datetime) -> tuple[Complaint, str, date | None]:
    """Create the letter, claim its attachments and start the reply clock; returns the plain query code."""
    mailbox = (await session.execute(select(Mailbox).where(Mailbox.id == data.mailbox_id,
                                                           Mailbox.is_active.is_(True)))).scalar_one_or_none()
    if mailbox is None:
        raise _bad("mailbox_id", "信箱不存在或已停用")
    code = _new_query_code()
    name = data.writer_name or (principal.display_name if principal else None)
    c = Complaint(tracking_no=f"TMP{secrets.token_hex(8)}", query_code_hash=hash_password(code),
                  mailbox_id=mailbox.id, kind=data.kind or mailbox.default_kind, subject=data.subject,
                  body=data.body, writer_id=principal.id if principal else None, writer_name=name,
                  writer_phone=data.writer_phone, writer_email=data.writer_email,
                  writer_address=data.writer_address, consent_publish=data.consent_publish,
                  status=S.submitted, submitted_at=now)
    session.add(c)
    await session.flush()
    c.tracking_no = f"XF{local_date(now):%Y%m%d}{c.id:06d}"
    if principal is None:
        c.ip_hash = hashlib.sha256(f"{c.tracking_no}:{ip}".encode()).hexdigest()
    for i, ref in enumerate(data.attachments):
        row = await session.get(ComplaintAttachment, ref.id)
        token_hash = hashlib.sha256(ref.upload_token.encode()).hexdigest()
        if row is None or row.complaint_id is not None or not secrets.compare_digest(row.token_hash, token_hash):
            raise _bad(f"attachments.{i}", "附件不存在或已被使用，请重新上传")
        row.complaint_id = c.id
    actor = principal.actor() if principal else ANONYMOUS
    clock = await calendar.start_clock(session, CASE_TYPE, c.id, mailbox.reply_days, actor, at=now)
    await add_event(session, c, A.submit, actor, f"来信已提交至{mailbox.name}", True, None, S.submitted, now,
                    {"mailbox": mailbox.code, "anonymous": principal is None})
    state = await calendar.clock_state(session, clock, now)
    return await _load(session, c.id), code, state.deadline_date


# --- the writer's lookup ---------------------------------------------------------------------------

async def lookup(session: AsyncSession, tracking_no: str, query_code: str, ip: str,
                 for_update: bool = False) -> Complaint:
    """The letter for a tracking number and query code; the same 404 for either one wrong."""
    await _limit(f"complaints:lookup:{ip}", LOOKUPS_PER_WINDOW, LOOKUP_WINDOW)
    stmt = _with_relations(select(Complaint).where(Complaint.tracking_no == tracking_no.strip().upper()))
    if for_update:
        stmt = stmt.with_for_update(of=Complaint)
    c = (await session.execute(stmt)).scalar_one_or_none()
    ok = verify_password(c.query_code_hash if c else None, query_code.strip().upper())
    if c is None or not ok:
        raise LookupFailed()
    return c


async def approved_replies(session: AsyncSession, c: Complaint) -> list[ComplaintReply]:
    return list((await session.execute(
        select(ComplaintReply).where(ComplaintReply.complaint_id == c.id, ComplaintReply.decision == "approved")
        .order_by(ComplaintReply.id))).scalars())


async def events(session: AsyncSession, c: Complaint, public_only: bool) -> list[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.id)
    if public_only:
        stmt = stmt.where(ComplaintEvent.public.is_(True))
    return list((await session.execute(stmt)).scalars())


async def current_clock(session: AsyncSession, c: Complaint, now: datetime | None = None) -> ClockRead | None:
    clock = await calendar.get_clock(session, case_type(c), c.id)
    return await calendar.clock_state(session, clock, now) if clock else None


# --- triage ----------------------------------------------------------------------------------------

async def accept(session: AsyncSession, principal: Principal, c: Complaint, note: str | None) -> None:
    _require(principal, c, A.accept)
    c.accepted_at = utcnow()
    await transition(session, c, S.accepted, principal.actor(), A.accept, note or "来信已受理")


async def not_accept(session: AsyncSession, principal: Principal, c: Complaint, reason: NotAcceptReason,
                     note: str) -> None:
    _require(principal, c, A.not_accept)
    c.not_accept_reason, c.not_accept_note = reason, note
    actor = principal.actor()
    await transition(session, c, S.not_accepted, actor, A.not_accept, note, summary={"reason": reason})
    clock = await calendar.get_clock(session, case_type(c), c.id)
    if clock and clock.status != ClockStatus.stopped:
        await calendar.stop_clock(session, clock, actor)


async def forward(session: AsyncSession, principal: Principal, c: Complaint, data: ForwardIn) -> None:
    """转办 to one or more departments with one lead; forwarding again retires the earlier departments."""
    _require(principal, c, A.forward)
    units = []
    for i, unit_id in enumerate(data.unit_ids):
        units.append(await _unit(session, unit_id, f"unit_ids.{i}"))
    now = utcnow()
    for f in _active_forwards(c):
        f.active, f.retired_at = False, now
    for unit in units:
        session.add(ComplaintForward(complaint_id=c.id, org_unit_id=unit.id, is_lead=unit.id == data.lead_unit_id,
                                     note=data.note, forwarded_by_id=principal.id, forwarded_at=now))
    c.lead_unit_id = data.lead_unit_id
    lead = next(u for u in units if u.id == data.lead_unit_id)
    others = [u.name for u in units if u.id != data.lead_unit_id]
    text = f"转{lead.name}主办" + (f"，{'、'.join(others)}协办" if others else "")
    await session.flush()
    await transition(session, c, S.forwarded, principal.actor(), A.forward, text,
                     summary={"units": data.unit_ids, "lead": data.lead_unit_id, "note": data.note})


async def add_opinion(session: AsyncSession, principal: Principal, c: Complaint, body: str) -> None:
    _require(principal, c, A.opinion)
    await add_event(session, c, A.opinion, principal.actor(Role.handler), body)


async def draft_reply(session: AsyncSession, principal: Principal, c: Complaint, body: str) -> None:
    _require(principal, c, A.draft)
    session.add(ComplaintReply(complaint_id=c.id, body=body, unit_id=handling_unit(c).id,
                               drafted_by_id=principal.id, drafted_by_name=principal.display_name))
    await session.flush()
    await transition(session, c, S.pending_review, principal.actor(), A.draft, "答复已拟定，待领导审核",
                     public=False)


async def _pending_draft(session: AsyncSession, c: Complaint) -> ComplaintReply:
    draft = (await session.execute(select(ComplaintReply).where(
        ComplaintReply.complaint_id == c.id, ComplaintReply.decision.is_(None))
        .order_by(ComplaintReply.id.desc()).limit(1))).scalar_one_or_none()
    if draft is None:
        raise InvalidTransition("没有待审核的答复")
    return draft


async def review(session: AsyncSession, principal: Principal, c: Complaint, decision: str,
                 comment: str | None, now: datetime | None = None) -> None:
    """Leader review: approve sends the reply to the writer; return sends it back with comments."""
    now = now or utcnow()
    _require(principal, c, A.approve if decision == "approve" else A.return_draft)
    draft = await _pending_draft(session, c)
    actor = principal.actor(Role.leader)
    draft.decision = "approved" if decision == "approve" else "returned"
    draft.review_comment, draft.reviewed_by_id = comment, principal.id
    draft.reviewed_by_name, draft.reviewed_at = principal.display_name, now
    if decision == "return":
        back = S.forwarded if _active_forwards(c) else S.accepted
        await transition(session, c, back, actor, A.return_draft, comment, public=False, at=now)
        return
    clock = await calendar.get_clock(session, case_type(c), c.id)
    if clock is not None and clock.status != ClockStatus.stopped:
        state = await calendar.clock_state(session, clock, now)
        if c.replied_at is None:
            c.replied_on_time = state.status not in (DeadlineStatus.overdue, DeadlineStatus.very_overdue)
            c.reply_working_days = state.used_working_days
        await calendar.stop_clock(session, clock, actor, at=now)
    c.reply_body, c.reply_unit_id = draft.body, handling_unit(c).id
    c.replied_at = c.replied_at or now
    c.auto_complete_date = (await calendar.add_working_days(session, local_date(now),
                                                         AUTO_CLOSE_WORKING_DAYS)).deadline_date
    await transition(session, c, S.replied, actor, A.approve, "已答复，请查看答复内容并评价", at=now)


async def extend(session: AsyncSession, principal: Principal, c: Complaint, days: int, explanation: str) -> None:
    """Extend the reply limit; the explanation is shown to the writer."""
    _require(principal, c, A.extend)
    clock = await calendar.get_clock(session, case_type(c), c.id)
    if clock is None or clock.status == ClockStatus.stopped:
        raise InvalidTransition("该来信没有正在计时的答复时限")
    actor = principal.actor(Role.leader)
    await calendar.extend_clock(session, clock, days, actor, explanation)
    c.extension_note = explanation
    await add_event(session, c, A.extend, actor, f"答复时限延长 {days} 个工作日：{explanation}", True,
                    summary={"days": days})


# --- satisfaction ----------------------------------------------------------------------------------

async def rate(session: AsyncSession, c: Complaint, satisfaction: Satisfaction, comment: str | None,
               actor: Actor, now: datetime | None = None) -> None:
    """满意 / 基本满意 complete the case (办结); 不满意 reopens it once for a second handling, then completes it."""
    now = now or utcnow()
    if c.status != S.replied:
        if c.status == S.completed and c.satisfaction is not None:
            raise AlreadyRated()
        raise InvalidTransition("尚未答复，暂不能评价")
    c.rated_at = now
    if satisfaction == Satisfaction.dissatisfied and c.reopen_count == 0:
        c.first_satisfaction, c.satisfaction_comment = satisfaction, comment
        c.reopen_count = 1
        c.auto_complete_date = None
        back = S.forwarded if _active_forwards(c) else S.accepted
        await transition(session, c, back, actor, A.reopen, "来信人对答复不满意，已重新交办" +
                         (f"：{comment}" if comment else ""), at=now, summary={"satisfaction": satisfaction})
        mailbox = c.mailbox
        await calendar.start_clock(session, REOPENED_CASE_TYPE, c.id, mailbox.reply_days, actor, at=now)
        return
    c.satisfaction, c.satisfaction_comment, c.completed_at = satisfaction, comment, now
    await transition(session, c, S.completed, actor, A.rate, f"来信人评价：{_SAT_LABEL[satisfaction]}", at=now,
                     summary={"satisfaction": satisfaction})


_SAT_LABEL = {Satisfaction.satisfied: "满意", Satisfaction.basically_satisfied: "基本满意",
              Satisfaction.dissatisfied: "不满意"}


# --- time-driven jobs ------------------------------------------------------------------------------

async def _staff_for(session: AsyncSession, unit: OrgUnit, roles: tuple[Role, ...]) -> list[int]:
    """Active users holding one of `roles` on the unit or any unit above it."""
    ancestors = [int(p) for p in unit.path.strip("/").split("/") if p]
    return list((await session.execute(
        select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role.in_(roles), RoleGrant.org_unit_id.in_(ancestors), User.is_active.is_(True))
        .distinct().order_by(RoleGrant.user_id))).scalars())


async def run_due_jobs(session: AsyncSession, now: datetime | None = None) -> DueJobsReport:
    """Remind staff of cases that became due soon or overdue, and complete (办结) answers left unrated for
    20 working days as satisfied. Safe to run any number of times."""
    now = now or utcnow()
    reminded = 0
    rows = (await session.execute(
        select(Complaint.id, DeadlineClock)
        .join(DeadlineClock, and_(DeadlineClock.case_id == Complaint.id,
                                  DeadlineClock.case_type.in_([CASE_TYPE, REOPENED_CASE_TYPE])))
        .where(Complaint.status.in_(OPEN), DeadlineClock.status == ClockStatus.running,
               DeadlineClock.deadline_at <= now + timedelta(days=14))
        .order_by(Complaint.id))).all()
    for complaint_id, clock in rows:
        state = await calendar.clock_state(session, clock, now)
        if state.status not in (DeadlineStatus.due_soon, DeadlineStatus.overdue, DeadlineStatus.very_overdue):
            continue
        kind = "due_soon" if state.status == DeadlineStatus.due_soon else "overdue"
        assert state.deadline_date is not None
        done = (await session.execute(select(ComplaintReminder.id).where(
            ComplaintReminder.complaint_id == complaint_id, ComplaintReminder.kind == kind,
            ComplaintReminder.deadline_date == state.deadline_date))).first()
        if done:
            continue
        c = await _load(session, complaint_id)
        unit = handling_unit(c)
        roles = (Role.handler,) if kind == "due_soon" else (Role.handler, Role.leader)
        users = await _staff_for(session, unit, roles) or await _staff_for(session, unit, (Role.leader,))
        title = (f"来信即将到期：{c.tracking_no}" if kind == "due_soon" else f"来信已超期：{c.tracking_no}")
        body = f"《{c.subject}》答复期限 {state.deadline_date:%Y-%m-%d}，剩余 {state.left_working_days} 个工作日。"
        for user_id in users:
            await notifications.notify(session, user_id, title, body, f"/staff/complaints/{c.id}", "complaint", c.id)
        session.add(ComplaintReminder(complaint_id=c.id, kind=kind, deadline_date=state.deadline_date,
                                      sent_at=now, recipients=len(users)))
        await add_event(session, c, A.remind, SYSTEM, f"{title}（已提醒 {len(users)} 人）", at=now)
        reminded += 1
    completed = 0
    due = (await session.execute(select(Complaint.id).where(
        Complaint.status == S.replied, Complaint.auto_complete_date < local_date(now)).order_by(Complaint.id)
    )).scalars().all()
    for complaint_id in due:
        c = await _load(session, complaint_id)
        c.satisfaction, c.completed_at = c.satisfaction or Satisfaction.satisfied, now
        await transition(session, c, S.completed, SYSTEM, A.auto_complete,
                         f"答复后 {AUTO_CLOSE_WORKING_DAYS} 个工作日内未评价，按满意办结", at=now)
        completed += 1
    return DueJobsReport(reminded=reminded, auto_completed=completed)


async def add_working_days_between(session: AsyncSession, start: date, end: date) -> int:
    """Working days after `start` up to and including `end`."""
    return (await calendar.load_calendar(session, start, end)).working_days_between(start, end)


async def run_due_jobs_now_and_then(session: AsyncSession) -> None:
    """Run the due jobs at most once every five minutes per counter store (opportunistically, on queue reads)."""
    count, _ = await get_counter().incr("complaints:due-jobs", 300)
    if count == 1:
        await run_due_jobs(session)


async def overdue(session: AsyncSession, principal: Principal, now: datetime | None = None) -> list[Complaint]:
    now = now or utcnow()
    stmt = _with_relations(readable_by(principal).join(
        DeadlineClock, and_(DeadlineClock.case_id == Complaint.id,
                            DeadlineClock.case_type.in_([CASE_TYPE, REOPENED_CASE_TYPE])))
        .where(Complaint.status.in_(OPEN), DeadlineClock.status == ClockStatus.running,
               DeadlineClock.deadline_at < now)
        .order_by(DeadlineClock.deadline_at, Complaint.id).limit(200))
    return list((await session.execute(stmt)).scalars().unique())


# --- publication (公开选登) --------------------------------------------------------------------------

async def publication_of(session: AsyncSession, c: Complaint) -> ComplaintPublication | None:
    return (await session.execute(select(ComplaintPublication).where(
        ComplaintPublication.complaint_id == c.id))).scalar_one_or_none()


def _names(c: Complaint) -> list[str]:
    return [c.writer_name] if c.writer_name else []


async def publication_preview(session: AsyncSession, principal: Principal, c: Complaint) -> PublicationDraft:
    """The masked letter and reply for the editor to review before publishing."""
    await _check_publishable(session, principal, c)
    assert c.reply_body is not None
    names = _names(c)
    return PublicationDraft(subject=mask_text(c.subject, names), body=mask_text(c.body, names),
                            reply=mask_text(c.reply_body, names))


async def _check_publishable(session: AsyncSession, principal: Principal, c: Complaint) -> None:
    _require(principal, c, A.publish)
    if not c.consent_publish:
        raise PublicationNotAllowed("来信人未同意公开，不能选登")
    existing = await publication_of(session, c)
    if existing is not None and existing.withdrawn_at is None:
        raise PublicationNotAllowed("该来信已公开选登")


async def publish(session: AsyncSession, principal: Principal, c: Complaint, data: PublicationDraft
                  ) -> ComplaintPublication:
    """Publish the editor-reviewed text; masking runs again so nothing personal slips through an edit."""
    await _check_publishable(session, principal, c)
    names = _names(c)
    assert c.replied_at is not None
    unit = c.reply_unit.name if c.reply_unit else None
    fields = dict(subject=mask_text(data.subject, names), body=mask_text(data.body, names),
                  reply=mask_text(data.reply, names), mailbox_id=c.mailbox_id, kind=c.kind, reply_unit_name=unit,
                  submitted_date=local_date(c.submitted_at), replied_date=local_date(c.replied_at),
                  published_at=utcnow(), published_by_id=principal.id, withdrawn_at=None)
    pub = await publication_of(session, c)
    if pub is None:
        pub = ComplaintPublication(complaint_id=c.id, **fields)
        session.add(pub)
    else:
        for k, v in fields.items():
            setattr(pub, k, v)
    await session.flush()
    await add_event(session, c, A.publish, principal.actor(Role.editor), "已公开选登", True,
                    summary={"publication_id": pub.id})
    return pub


async def withdraw_publication(session: AsyncSession, principal: Principal, c: Complaint) -> None:
    _require(principal, c, A.withdraw_publication)
    pub = await publication_of(session, c)
    if pub is None or pub.withdrawn_at is not None:
        raise InvalidTransition("该来信未公开")
    pub.withdrawn_at = utcnow()
    await add_event(session, c, A.withdraw_publication, principal.actor(Role.editor), "已撤回公开", False,
                    summary={"publication_id": pub.id})


def published_query(q: str | None = None, mailbox_id: int | None = None) -> Select[Any]:
    stmt = select(ComplaintPublication).where(ComplaintPublication.withdrawn_at.is_(None))
    if mailbox_id is not None:
        stmt = stmt.where(ComplaintPublication.mailbox_id == mailbox_id)
    for word in (q or "").split()[:5]:
        like = f"%{word}%"
        stmt = stmt.where(or_(ComplaintPublication.subject.like(like), ComplaintPublication.body.like(like),
                              ComplaintPublication.reply.like(like)))
    return stmt


# --- statistics ------------------------------------------------------------------------------------

def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, SHANGHAI), datetime.combine(end + timedelta(days=1), time.min, SHANGHAI))


REPLY_RATE_DEFINITION = ("办复率 = 已答复 ÷ 应答复。应答复：统计期内收到的每一封来信中，已答复、已过答复期限"
                         "或不予受理的件数；尚在答复期限内且未答复的来信不计入。")


def _agg(now: datetime) -> list[Any]:
    """Counts over Complaint outer-joined to its first reply clock (_FIRST_CLOCK)."""
    def count_if(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    good = [Satisfaction.satisfied.value, Satisfaction.basically_satisfied.value]
    due = or_(Complaint.replied_at.is_not(None), Complaint.status == S.not_accepted,
              DeadlineClock.deadline_at < now)
    return [
        func.count(Complaint.id).label("received"),
        count_if(Complaint.accepted_at.is_not(None)).label("accepted"),
        count_if(Complaint.status == S.not_accepted).label("not_accepted"),
        count_if(due).label("due"),
        count_if(Complaint.replied_at.is_not(None)).label("replied"),
        count_if(Complaint.replied_on_time.is_(True)).label("on_time"),
        func.avg(Complaint.reply_working_days).label("avg_days"),
        count_if(Complaint.satisfaction.is_not(None)).label("rated"),
        count_if(Complaint.satisfaction.in_(good)).label("satisfied"),
    ]


# The letter's own reply clock (a reopened case's second clock does not make the letter due again).
_FIRST_CLOCK = and_(DeadlineClock.case_type == CASE_TYPE, DeadlineClock.case_id == Complaint.id)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b * 100, 1) if b else None


def _row(id_: int | None, name: str, r: Any) -> ComplaintStatsRow:
    return ComplaintStatsRow(
        id=id_, name=name, received=int(r.received), accepted=int(r.accepted), not_accepted=int(r.not_accepted),
        due=int(r.due), replied=int(r.replied), reply_rate=_ratio(int(r.replied), int(r.due)),
        on_time_rate=_ratio(int(r.on_time), int(r.replied)),
        avg_reply_working_days=None if r.avg_days is None else round(float(r.avg_days), 1),
        rated=int(r.rated), satisfaction_rate=_ratio(int(r.satisfied), int(r.rated)))


async def statistics(session: AsyncSession, start: date, end: date, now: datetime | None = None) -> StatisticsRead:
    now = now or utcnow()
    lo, hi = _bounds(start, end)
    period = and_(Complaint.submitted_at >= lo, Complaint.submitted_at < hi)
    total = (await session.execute(select(*_agg(now)).select_from(Complaint)
                                   .outerjoin(DeadlineClock, _FIRST_CLOCK).where(period))).one()
    by_mailbox = (await session.execute(
        select(Mailbox.id, Mailbox.name, *_agg(now))
        .outerjoin(Complaint, and_(Complaint.mailbox_id == Mailbox.id, period))
        .outerjoin(DeadlineClock, _FIRST_CLOCK)
        .group_by(Mailbox.id, Mailbox.name, Mailbox.sort_order).order_by(Mailbox.sort_order, Mailbox.id))).all()
    dept = func.coalesce(Complaint.lead_unit_id, Mailbox.owner_unit_id)
    by_dept = (await session.execute(
        select(OrgUnit.id, OrgUnit.name, *_agg(now)).select_from(Complaint)
        .join(Mailbox, Mailbox.id == Complaint.mailbox_id).join(OrgUnit, OrgUnit.id == dept)
        .outerjoin(DeadlineClock, _FIRST_CLOCK).where(period)
        .group_by(OrgUnit.id, OrgUnit.name, OrgUnit.sort_order).order_by(OrgUnit.sort_order, OrgUnit.id))).all()
    return StatisticsRead(start=start, end=end, definition=REPLY_RATE_DEFINITION, total=_row(None, "合计", total),
                          by_mailbox=[_row(r.id, r.name, r) for r in by_mailbox],
                          by_department=[_row(r.id, r.name, r) for r in by_dept])


async def public_summary(session: AsyncSession, now: datetime | None = None) -> PublicSummary:
    """This month's letters; 办复率 over those that were due (REPLY_RATE_DEFINITION)."""
    now = now or utcnow()
    today = local_date(now)
    start = today.replace(day=1)
    lo, hi = _bounds(start, today)
    r = (await session.execute(select(*_agg(now)).select_from(Complaint).outerjoin(DeadlineClock, _FIRST_CLOCK)
                               .where(Complaint.submitted_at >= lo, Complaint.submitted_at < hi))).one()
    published = (await session.execute(select(func.count(ComplaintPublication.id)).where(
        ComplaintPublication.withdrawn_at.is_(None), ComplaintPublication.published_at >= lo))).scalar_one()
    row = _row(None, "", r)
    return PublicSummary(month=f"{start:%Y-%m}", received=row.received, due=row.due, replied=row.replied,
                         reply_rate=row.reply_rate, definition=REPLY_RATE_DEFINITION,
                         satisfaction_rate=row.satisfaction_rate, published=published)


@dataclass(frozen=True)
class Detail:
    complaint: Complaint
    clock: ClockRead | None
    drafts: list[ComplaintReply]
    events: list[ComplaintEvent]
    attachments: list[ComplaintAttachment]
    publication: ComplaintPublication | None
    staff: bool


async def detail(session: AsyncSession, principal: Principal, c: Complaint) -> Detail:
    staff = is_staff_reader(principal, c)
    drafts = list((await session.execute(select(ComplaintReply).where(ComplaintReply.complaint_id == c.id)
                                         .order_by(ComplaintReply.id))).scalars()) if staff else []
    atts = await attachments_of(session, c)
    return Detail(c, await current_clock(session, c), drafts, await events(session, c, not staff), atts,
                  await publication_of(session, c), staff)

"""Complaints (互动交流): who sees which letter, who may do what to it, its history and detail. The
use cases live beside this module (mailboxes, submission, handling, reminders, publication,
statistics); this is the interface other domains import. Flushes, never commits."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.schemas import ClockRead
from api.cases import service as cases
from api.cases.service import clock_type, in_units_under
from api.complaints.exceptions import ComplaintNotFound
from api.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintForward,
    ComplaintPublication,
    ComplaintReply,
    Mailbox,
)
from api.complaints.states import ANSWERED, COMPLAINT, ComplaintAction
from api.complaints.states import OPEN as OPEN
from api.errors import Forbidden, NotFound, ValidationFailed
from api.files import service as files
from api.files.models import Attachment

A = ComplaintAction
# A reopened case gets a second clock beside the first (api.cases attaches one per case), so the first keeps
# its history and the 办复率 keeps counting from the letter's own deadline.
REOPENED_CASE_TYPE = clock_type(COMPLAINT, "reopened")
ANONYMOUS = Actor(None, "来信人", "public")
TRIAGE_ROLES = (Role.handler, Role.leader)


def case_type(c: Complaint) -> str:
    """A reopened case gets a second clock (the first one's history stays as it was)."""
    return clock_type(COMPLAINT, None if c.reopen_count == 0 else "reopened")


def bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": "complaint"}])


async def unit(session: AsyncSession, unit_id: int, field: str) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise bad(field, "部门不存在")
    return unit


def readable_by(principal: Principal) -> Select[Any]:
    """The writer's own letters; staff: letters to mailboxes their unit owns, or forwarded to their units;
    editors: answered letters whose writer consented to publication, in mailboxes their unit owns."""
    conditions: list[Any] = [Complaint.writer_id == principal.id]
    if principal.is_staff:
        conditions.append(Complaint.mailbox_id.in_(
            select(Mailbox.id).where(in_units_under(Mailbox.owner_unit_id, principal, *TRIAGE_ROLES))))
        conditions.append(exists().where(
            ComplaintForward.complaint_id == Complaint.id,
            in_units_under(ComplaintForward.org_unit_id, principal, *TRIAGE_ROLES)))
        conditions.append(and_(
            Complaint.status.in_(ANSWERED), Complaint.consent_publish.is_(True),
            Complaint.mailbox_id.in_(select(Mailbox.id).where(
                in_units_under(Mailbox.owner_unit_id, principal, Role.editor)))))
    return select(Complaint).where(or_(*conditions))


def with_relations(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(
        selectinload(Complaint.mailbox).selectinload(Mailbox.owner_unit),
        selectinload(Complaint.lead_unit),
        selectinload(Complaint.reply_unit),
        selectinload(Complaint.forwards).selectinload(ComplaintForward.org_unit),
    )


async def get_complaint(session: AsyncSession, principal: Principal, complaint_id: int,
                        for_update: bool = False) -> Complaint:
    stmt = with_relations(readable_by(principal).where(Complaint.id == complaint_id))
    if for_update:
        stmt = stmt.with_for_update(of=Complaint)
    c = (await session.execute(stmt)).scalar_one_or_none()
    if c is None:
        raise ComplaintNotFound()
    return c


async def load(session: AsyncSession, complaint_id: int) -> Complaint:
    return (await session.execute(with_relations(select(Complaint).where(Complaint.id == complaint_id))
                                  .execution_options(populate_existing=True))).scalar_one()


def handling_unit(c: Complaint) -> OrgUnit:
    """The lead department once forwarded, else the mailbox's owner unit."""
    return c.lead_unit if c.lead_unit is not None else c.mailbox.owner_unit


def active_forwards(c: Complaint) -> list[ComplaintForward]:
    return [f for f in c.forwards if f.active]


def may(principal: Principal, c: Complaint, action: A) -> bool:
    owner = c.mailbox.owner_unit.path
    handling = handling_unit(c).path
    if action in (A.accept, A.not_accept, A.forward):
        return principal.covers(Role.handler, owner) or principal.covers(Role.leader, owner)
    if action == A.draft:
        return principal.covers(Role.handler, handling) or principal.covers(Role.leader, handling)
    if action == A.opinion:
        return any(principal.covers(Role.handler, f.org_unit.path) for f in active_forwards(c) if not f.is_lead)
    if action in (A.approve, A.return_draft, A.extend):
        return principal.covers(Role.leader, handling) or (action == A.extend and principal.covers(Role.leader, owner))
    if action in (A.publish, A.withdraw_publication):
        return principal.covers(Role.editor, owner)
    if action == A.rate:
        return c.writer_id == principal.id
    return False


def allowed_actions(principal: Principal, c: Complaint, published: bool) -> list[str]:
    """What the caller may do now: the workflow allows it from this state and the caller's roles cover it."""
    out = []
    for action in COMPLAINT.allowed_actions(c.status):
        if not may(principal, c, action):
            continue
        if action == A.publish and (published or not c.consent_publish):
            continue
        if action == A.withdraw_publication and not published:
            continue
        out.append(action.value)
    return out


def require(principal: Principal, c: Complaint, action: A) -> None:
    """403 unless the caller's roles cover `action`; 409 (in Chinese) unless the workflow allows it now."""
    if not may(principal, c, action):
        raise Forbidden("您无权对该来信执行此操作")
    if not COMPLAINT.can(c.status, action):
        raise COMPLAINT.refusal(c.status, action)


def is_staff_reader(principal: Principal, c: Complaint) -> bool:
    """Staff who work on the case see drafts and internal history; the writer sees only public steps."""
    if not principal.is_staff:
        return False
    paths = [c.mailbox.owner_unit.path] + [f.org_unit.path for f in c.forwards]
    return any(principal.covers(r, p) for r in (*TRIAGE_ROLES, Role.editor) for p in paths)


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


async def publication_of(session: AsyncSession, c: Complaint) -> ComplaintPublication | None:
    return (await session.execute(select(ComplaintPublication).where(
        ComplaintPublication.complaint_id == c.id))).scalar_one_or_none()


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


async def active_mailboxes(session: AsyncSession) -> list[Mailbox]:
    return list((await session.execute(select(Mailbox).where(Mailbox.is_active.is_(True))
                                       .order_by(Mailbox.sort_order, Mailbox.id))).scalars())


async def file_letter(session: AsyncSession, mailbox_id: int, subject: str, body: str, writer_name: str | None,
                      writer_phone: str | None, writer_email: str | None, ip: str, now: datetime,
                      client_pk: int, client_name: str) -> Complaint:
    """Receive a letter a registered partner relays through Open311 (authenticated by its key: no captcha); the
    letter is anonymous to the portal's accounts, records the channel and client, and runs the normal workflow."""
    from api.complaints.schemas import ComplaintCreate
    from api.complaints.states import ComplaintChannel
    from api.complaints.submission import Relay, receive  # it imports this module

    data = ComplaintCreate(mailbox_id=mailbox_id, subject=subject, body=body, writer_name=writer_name,
                           writer_phone=writer_phone, writer_email=writer_email)
    c, _, _ = await receive(session, None, data, ip, now, Relay(ComplaintChannel.open311, client_pk, client_name))
    return c


async def public_states(session: AsyncSession, ids: list[int]) -> dict[int, cases.PublicState]:
    return await cases.public_states(session, Complaint, ids, phases=("reopened",))

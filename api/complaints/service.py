"""Complaints (互动交流): who sees which letter, who may do what to it, its history and detail. The
use cases live beside this module (mailboxes, submission, handling, reminders, publication,
statistics); this is the interface other domains import. Flushes, never commits."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.schemas import ClockRead
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
from api.complaints.states import ANSWERED, OPEN, ComplaintAction, ComplaintStatus, can_transition
from api.database import utcnow
from api.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from api.files import service as files
from api.files.models import Attachment

S = ComplaintStatus
A = ComplaintAction
CASE_TYPE = "complaint"
REOPENED_CASE_TYPE = "complaint_reopened"
ANONYMOUS = Actor(None, "来信人", "public")
TRIAGE_ROLES = (Role.handler, Role.leader)


def case_type(c: Complaint) -> str:
    """A reopened case gets a second clock (the first one's history stays as it was)."""
    return CASE_TYPE if c.reopen_count == 0 else REOPENED_CASE_TYPE


def bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": "complaint"}])


async def unit(session: AsyncSession, unit_id: int, field: str) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise bad(field, "部门不存在")
    return unit


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
        if c.status not in states or not may(principal, c, action):
            continue
        if action == A.publish and (published or not c.consent_publish):
            continue
        if action == A.withdraw_publication and not published:
            continue
        out.append(action.value)
    return out


def require(principal: Principal, c: Complaint, action: A) -> None:
    if not may(principal, c, action):
        raise Forbidden("您无权对该来信执行此操作")
    if c.status not in _ACTION_STATES[action]:
        raise InvalidTransition(f"来信当前状态（{c.status}）不允许此操作")


def is_staff_reader(principal: Principal, c: Complaint) -> bool:
    """Staff who work on the case see drafts and internal history; the writer sees only public steps."""
    if not principal.is_staff:
        return False
    paths = [c.mailbox.owner_unit.path] + [f.org_unit.path for f in c.forwards]
    return any(principal.covers(r, p) for r in (*TRIAGE_ROLES, Role.editor) for p in paths)


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

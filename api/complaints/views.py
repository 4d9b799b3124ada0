"""ORM rows → API schemas."""

from api.calendar.schemas import ClockRead
from api.complaints.models import Complaint, ComplaintEvent, ComplaintPublication, ComplaintReply, Mailbox
from api.complaints.schemas import (
    ComplaintAttachmentRead,
    ComplaintEventRead,
    ComplaintPublicView,
    ComplaintRead,
    ComplaintSummary,
    DraftRead,
    ForwardRead,
    MailboxRead,
    PublicationRead,
    PublicEventRead,
    ReplyRead,
)
from api.complaints.service import Detail
from api.complaints.states import COMPLAINT, OPEN, ComplaintAction


def _action_label(action: str) -> str:
    return COMPLAINT.action_labels.get(ComplaintAction(action), action) if action in _ACTIONS else action


_ACTIONS = frozenset(ComplaintAction)


def mailbox_read(m: Mailbox) -> MailboxRead:
    return MailboxRead(id=m.id, code=m.code, name=m.name, description=m.description, default_kind=m.default_kind,
                       owner_unit_id=m.owner_unit_id, owner_unit_name=m.owner_unit.name, reply_days=m.reply_days,
                       is_active=m.is_active)


def summary_read(c: Complaint, clock: ClockRead | None) -> ComplaintSummary:
    return ComplaintSummary(id=c.id, tracking_no=c.tracking_no, mailbox_id=c.mailbox_id, mailbox_name=c.mailbox.name,
                            kind=c.kind, subject=c.subject, status=c.status, writer_name=c.writer_name,
                            anonymous=c.writer_id is None, lead_unit_name=c.lead_unit.name if c.lead_unit else None,
                            submitted_at=c.submitted_at, clock=clock,
                            awaiting_rating=COMPLAINT.can(c.status, ComplaintAction.rate))


def event_read(e: ComplaintEvent) -> ComplaintEventRead:
    return ComplaintEventRead(
        id=e.id, action=e.action, label=_action_label(e.action), from_status=e.from_status,
                     to_status=e.to_status, actor_name=e.actor_name, note=e.note, public=e.public, at=e.at)


def draft_read(d: ComplaintReply) -> DraftRead:
    return DraftRead(id=d.id, body=d.body, drafted_by_name=d.drafted_by_name, drafted_at=d.drafted_at,
                     decision=d.decision, review_comment=d.review_comment, reviewed_by_name=d.reviewed_by_name,
                     reviewed_at=d.reviewed_at)


def complaint_read(d: Detail, allowed: list[str]) -> ComplaintRead:
    c = d.complaint
    base = summary_read(c, d.clock).model_dump()
    return ComplaintRead(
        **base, channel=c.channel, relayed_by=c.relayed_by, body=c.body, writer_phone=c.writer_phone,
        writer_email=c.writer_email, writer_address=c.writer_address, consent_publish=c.consent_publish,
        not_accept_reason=c.not_accept_reason, not_accept_note=c.not_accept_note, extension_note=c.extension_note,
        reply_body=c.reply_body,
        replied_at=c.replied_at,
        satisfaction=c.satisfaction, satisfaction_comment=c.satisfaction_comment, reopen_count=c.reopen_count,
        published=d.publication is not None and d.publication.withdrawn_at is None,
        forwards=[ForwardRead(id=f.id, org_unit_id=f.org_unit_id, org_unit_name=f.org_unit.name, is_lead=f.is_lead,
                              active=f.active, note=f.note, forwarded_at=f.forwarded_at) for f in c.forwards]
        if d.staff else [],
        drafts=[draft_read(x) for x in d.drafts],
        attachments=[ComplaintAttachmentRead.model_validate(a) for a in d.attachments],
        events=[event_read(e) for e in d.events], allowed_actions=allowed,
    )


def public_view(c: Complaint, clock: ClockRead | None, replies: list[ComplaintReply],
                events: list[ComplaintEvent]) -> ComplaintPublicView:
    units = [f.org_unit.name for f in c.forwards if f.active]
    unit_name = c.reply_unit.name if c.reply_unit else None
    return ComplaintPublicView(
        tracking_no=c.tracking_no, mailbox_name=c.mailbox.name, kind=c.kind, subject=c.subject, body=c.body,
        status=c.status, status_label=COMPLAINT.state_labels[c.status], submitted_at=c.submitted_at,
        reply_due_date=clock.deadline_date if clock and c.status in OPEN else None,
        not_accept_reason=c.not_accept_reason, not_accept_note=c.not_accept_note, extension_note=c.extension_note,
        handling_units=units, replies=[ReplyRead(body=r.body, unit_name=unit_name, replied_at=r.reviewed_at)
                                       for r in replies],
        satisfaction=c.satisfaction, can_rate=COMPLAINT.can(c.status, ComplaintAction.rate),
        events=[PublicEventRead(action=e.action, label=_action_label(e.action), note=e.note, at=e.at)
                for e in events],
    )


def publication_read(p: ComplaintPublication, mailbox_name: str) -> PublicationRead:
    return PublicationRead(id=p.id, mailbox_id=p.mailbox_id, mailbox_name=mailbox_name, kind=p.kind,
                           subject=p.subject, body=p.body, reply=p.reply, reply_unit_name=p.reply_unit_name,
                           submitted_date=p.submitted_date, replied_date=p.replied_date, published_at=p.published_at)

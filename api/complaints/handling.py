"""Handling a letter: 受理 or 不予受理, 转办, assisting opinions, the reply draft and the leader's review,
extensions, and the writer's rating (满意 completes the case, 不满意 reopens it once)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import Actor
from api.auth.models import Role
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import ClockStatus
from api.calendar.schemas import DeadlineStatus
from api.calendar.workdays import local_date
from api.cases import service as cases
from api.complaints import service
from api.complaints.exceptions import AlreadyRated
from api.complaints.models import Complaint, ComplaintForward, ComplaintReply
from api.complaints.schemas import ForwardIn
from api.complaints.states import (
    COMPLAINT,
    SATISFACTION_LABELS,
    ComplaintAction,
    ComplaintStatus,
    NotAcceptReason,
    Satisfaction,
)
from api.database import utcnow
from api.errors import InvalidTransition

S = ComplaintStatus
A = ComplaintAction
AUTO_COMPLETE_WORKING_DAYS = 20


def _handled_at(c: Complaint) -> ComplaintStatus:
    """Where a returned draft or a reopened case goes back to: the departments, or the mailbox owner."""
    return S.forwarded if service.active_forwards(c) else S.accepted


async def accept(session: AsyncSession, principal: Principal, c: Complaint, note: str | None) -> None:
    service.require(principal, c, A.accept)
    c.accepted_at = utcnow()
    await cases.transition(session, c, A.accept, principal.actor(), note=note or "来信已受理")


async def not_accept(session: AsyncSession, principal: Principal, c: Complaint, reason: NotAcceptReason,
                     note: str) -> None:
    service.require(principal, c, A.not_accept)
    c.not_accept_reason, c.not_accept_note = reason, note
    actor = principal.actor()
    await cases.transition(session, c, A.not_accept, actor, note=note, detail={"reason": reason})
    await cases.stop_clock(session, c, actor)


async def forward(session: AsyncSession, principal: Principal, c: Complaint, data: ForwardIn) -> None:
    """转办 to one or more departments with one lead; forwarding again retires the earlier departments."""
    service.require(principal, c, A.forward)
    units = []
    for i, unit_id in enumerate(data.unit_ids):
        units.append(await service.unit(session, unit_id, f"unit_ids.{i}"))
    now = utcnow()
    for f in service.active_forwards(c):
        f.active, f.retired_at = False, now
    for unit in units:
        session.add(ComplaintForward(complaint_id=c.id, org_unit_id=unit.id, is_lead=unit.id == data.lead_unit_id,
                                     note=data.note, forwarded_by_id=principal.id, forwarded_at=now))
    c.lead_unit_id = data.lead_unit_id
    lead = next(u for u in units if u.id == data.lead_unit_id)
    others = [u.name for u in units if u.id != data.lead_unit_id]
    text = f"转{lead.name}主办" + (f"，{'、'.join(others)}协办" if others else "")
    await cases.transition(session, c, A.forward, principal.actor(), note=text,
                           detail={"units": data.unit_ids, "lead": data.lead_unit_id, "forward_note": data.note})


async def add_opinion(session: AsyncSession, principal: Principal, c: Complaint, body: str) -> None:
    service.require(principal, c, A.opinion)
    await cases.transition(session, c, A.opinion, principal.actor(Role.handler), note=body)


async def draft_reply(session: AsyncSession, principal: Principal, c: Complaint, body: str) -> None:
    service.require(principal, c, A.draft)
    session.add(ComplaintReply(complaint_id=c.id, body=body, unit_id=service.handling_unit(c).id,
                               drafted_by_id=principal.id, drafted_by_name=principal.display_name))
    await cases.transition(session, c, A.draft, principal.actor(), note="答复已拟定，待领导审核")


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
    service.require(principal, c, A.approve if decision == "approve" else A.return_draft)
    draft = await _pending_draft(session, c)
    actor = principal.actor(Role.leader)
    draft.decision = "approved" if decision == "approve" else "returned"
    draft.review_comment, draft.reviewed_by_id = comment, principal.id
    draft.reviewed_by_name, draft.reviewed_at = principal.display_name, now
    if decision == "return":
        await cases.transition(session, c, A.return_draft, actor, to=_handled_at(c), note=comment, at=now)
        return
    clock = await calendar.get_clock(session, service.case_type(c), c.id)
    if clock is not None and clock.status != ClockStatus.stopped:
        state = await calendar.clock_state(session, clock, now)
        if c.replied_at is None:
            c.replied_on_time = state.status not in (DeadlineStatus.overdue, DeadlineStatus.very_overdue)
            c.reply_working_days = state.used_working_days
        await calendar.stop_clock(session, clock, actor, at=now)
    c.reply_body, c.reply_unit_id = draft.body, service.handling_unit(c).id
    c.replied_at = c.replied_at or now
    c.auto_complete_date = (await calendar.add_working_days(session, local_date(now),
                                                         AUTO_COMPLETE_WORKING_DAYS)).deadline_date
    await cases.transition(session, c, A.approve, actor, note="已答复，请查看答复内容并评价", at=now)


async def extend(session: AsyncSession, principal: Principal, c: Complaint, days: int, explanation: str) -> None:
    """Extend the reply limit; the explanation is shown to the writer."""
    service.require(principal, c, A.extend)
    clock = await calendar.get_clock(session, service.case_type(c), c.id)
    if clock is None or clock.status == ClockStatus.stopped:
        raise InvalidTransition("该来信没有正在计时的答复时限")
    actor = principal.actor(Role.leader)
    await calendar.extend_clock(session, clock, days, actor, explanation)
    c.extension_note = explanation
    await cases.transition(session, c, A.extend, actor, note=f"答复时限延长 {days} 个工作日：{explanation}",
                           detail={"days": days})


async def rate(session: AsyncSession, c: Complaint, satisfaction: Satisfaction, comment: str | None,
               actor: Actor, now: datetime | None = None) -> None:
    """满意 / 基本满意 complete the case (办结); 不满意 reopens it once for a second handling, then completes it."""
    now = now or utcnow()
    if c.status == S.completed and c.satisfaction is not None:
        raise AlreadyRated()
    if not COMPLAINT.can(c.status, A.rate):
        raise COMPLAINT.refusal(c.status, A.rate)
    c.rated_at = now
    if satisfaction == Satisfaction.dissatisfied and c.reopen_count == 0:
        c.first_satisfaction, c.satisfaction_comment = satisfaction, comment
        c.reopen_count = 1
        c.auto_complete_date = None
        await cases.transition(session, c, A.reopen, actor, to=_handled_at(c), at=now,
                               note="来信人对答复不满意，已重新交办" + (f"：{comment}" if comment else ""),
                               detail={"satisfaction": satisfaction})
        await cases.start_clock(session, c, c.mailbox.reply_days, actor, at=now, phase="reopened")
        return
    c.satisfaction, c.satisfaction_comment, c.completed_at = satisfaction, comment, now
    await cases.transition(session, c, A.rate, actor, note=f"来信人评价：{SATISFACTION_LABELS[satisfaction]}", at=now,
                           detail={"satisfaction": satisfaction})

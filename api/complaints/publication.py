"""公开选登: the masked letter and reply, published with the writer's consent, and the public list."""

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role
from api.auth.principal import Principal
from api.calendar.workdays import local_date
from api.cases import service as cases
from api.complaints import service
from api.complaints.exceptions import PublicationNotAllowed
from api.complaints.masking import mask_text
from api.complaints.models import Complaint, ComplaintPublication
from api.complaints.schemas import PublicationDraft
from api.complaints.states import ComplaintAction
from api.database import LIKE_ESCAPE, escape_like, utcnow
from api.errors import InvalidTransition
from api.publiccache import service as publiccache

A = ComplaintAction


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
    service.require(principal, c, A.publish)
    if not c.consent_publish:
        raise PublicationNotAllowed("来信人未同意公开，不能选登")
    existing = await service.publication_of(session, c)
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
    pub = await service.publication_of(session, c)
    if pub is None:
        pub = ComplaintPublication(complaint_id=c.id, **fields)
        session.add(pub)
    else:
        for k, v in fields.items():
            setattr(pub, k, v)
    await session.flush()
    await cases.transition(session, c, A.publish, principal.actor(Role.editor), note="已公开选登",
                           detail={"publication_id": pub.id})
    await publiccache.changed(session)
    return pub


async def withdraw_publication(session: AsyncSession, principal: Principal, c: Complaint) -> None:
    service.require(principal, c, A.withdraw_publication)
    pub = await service.publication_of(session, c)
    if pub is None or pub.withdrawn_at is not None:
        raise InvalidTransition("该来信未公开")
    pub.withdrawn_at = utcnow()
    await cases.transition(session, c, A.withdraw_publication, principal.actor(Role.editor), note="已撤回公开",
                           detail={"publication_id": pub.id})
    await publiccache.changed(session)


def published_query(q: str | None = None, mailbox_id: int | None = None) -> Select[Any]:
    stmt = select(ComplaintPublication).where(ComplaintPublication.withdrawn_at.is_(None))
    if mailbox_id is not None:
        stmt = stmt.where(ComplaintPublication.mailbox_id == mailbox_id)
    for word in (q or "").split()[:5]:
        like = f"%{escape_like(word)}%"
        stmt = stmt.where(or_(*[c.like(like, escape=LIKE_ESCAPE) for c in (
            ComplaintPublication.subject, ComplaintPublication.body, ComplaintPublication.reply)]))
    return stmt

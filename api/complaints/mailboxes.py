"""信箱: the mailboxes letters are written to, their owner units and reply limits."""


from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.audit.service import Actor
from api.complaints import service
from api.complaints.exceptions import MailboxNotFound
from api.complaints.models import Mailbox
from api.complaints.schemas import MailboxCreate, MailboxUpdate
from api.complaints.states import ComplaintKind
from api.publiccache import service as publiccache

DEFAULT_REPLY_DAYS = {ComplaintKind.inquiry: 5}
DEFAULT_OTHER_REPLY_DAYS = 10


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


async def create_mailbox(session: AsyncSession, data: MailboxCreate, actor: Actor) -> Mailbox:
    if (await session.execute(select(Mailbox.id).where(Mailbox.code == data.code))).first():
        raise service.bad("code", "信箱代码已存在")
    await service.unit(session, data.owner_unit_id, "owner_unit_id")
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
        await service.unit(session, changes["owner_unit_id"], "owner_unit_id")
    for field, value in changes.items():
        if value is not None:
            setattr(mailbox, field, value)
    await session.flush()
    await audit.record(session, actor, "mailbox.update", "mailbox", mailbox.id, changes)
    await publiccache.changed(session)  # published letters name their mailbox
    session.expunge(mailbox)
    return await get_mailbox(session, mailbox_id)

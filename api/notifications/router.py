from fastapi import APIRouter, Request, Response

from api.auth.dependencies import CurrentUser
from api.database import SessionDep
from api.errors import NotFound, responses
from api.notifications import service
from api.notifications.models import Notification
from api.notifications.schemas import NotificationRead, UnreadCount
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.validation import Id

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(
    request: Request, response: Response, session: SessionDep, principal: CurrentUser,
    unread: bool = False, cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[NotificationRead]:
    """My inbox, newest first; `unread=true` for unread entries only."""
    stmt = service.readable_by(principal.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows, next_cursor = await keyset_page(session, stmt, [(Notification.id, True)], lambda n: [n.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[NotificationRead.model_validate(n) for n in rows], next_cursor=next_cursor)


@router.get("/unread-count")
async def count_unread_notifications(session: SessionDep, principal: CurrentUser) -> UnreadCount:
    """How many of my notifications are unread."""
    return UnreadCount(unread=await service.unread_count(session, principal.id))


@router.post("/read-all", status_code=204)
async def read_all_notifications(session: SessionDep, principal: CurrentUser) -> None:
    """Mark every notification of mine as read."""
    await service.mark_all_read(session, principal.id)


@router.post("/{notification_id}/read", responses=responses(NotFound))
async def read_notification(session: SessionDep, principal: CurrentUser, notification_id: Id) -> NotificationRead:
    """Mark one of my notifications as read."""
    return NotificationRead.model_validate(await service.mark_read(session, principal.id, notification_id))

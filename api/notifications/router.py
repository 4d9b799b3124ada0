from fastapi import APIRouter, Request, Response

from api.auth.dependencies import AdminUser, CurrentUser
from api.database import SessionDep
from api.errors import NotFound, ValidationFailed, responses
from api.notifications import service
from api.notifications.models import Delivery, DeliveryStatus, Notification
from api.notifications.schemas import DeliveryRead, EventRead, NotificationRead, Preferences, UnreadCount
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


@router.get("/events")
async def list_notification_events() -> list[EventRead]:
    """The events I can choose channels for: every case type's actions ("application.accept"…)."""
    return service.events()


@router.get("/preferences")
async def get_notification_preferences(session: SessionDep, principal: CurrentUser) -> Preferences:
    """The channels (email, SMS, WeChat subscribe message) I chose per event; the inbox always gets everything."""
    return await service.preferences(session, principal.id)


@router.put("/preferences", responses=responses(ValidationFailed))
async def put_notification_preferences(session: SessionDep, principal: CurrentUser, body: Preferences) -> Preferences:
    """Replace my channel choices ("*" as the event: every event)."""
    return await service.set_preferences(session, principal.id, body)


@router.get("/deliveries")
async def list_my_deliveries(
    request: Request, response: Response, session: SessionDep, principal: CurrentUser,
    cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[DeliveryRead]:
    """The delivery log of my notifications: per channel, sent / retried / failed and why, newest first."""
    rows, next_cursor = await keyset_page(session, service.deliveries_query(principal.id), [(Delivery.id, True)],
                                          lambda d: [d.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=await service.with_log(session, rows), next_cursor=next_cursor)


@router.get("/admin/deliveries")
async def list_all_deliveries(
    request: Request, response: Response, session: SessionDep, principal: AdminUser,
    status: DeliveryStatus | None = None, cursor: CursorParam = None, limit: LimitParam = 20,
) -> Page[DeliveryRead]:
    """Every delivery (admins), e.g. `status=dead` for the dead letters."""
    rows, next_cursor = await keyset_page(session, service.deliveries_query(status=status), [(Delivery.id, True)],
                                          lambda d: [d.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=await service.with_log(session, rows), next_cursor=next_cursor)


@router.post("/admin/deliveries/{delivery_id}/retry", responses=responses(NotFound))
async def retry_delivery(session: SessionDep, principal: AdminUser, delivery_id: Id) -> DeliveryRead:
    """Send a dead-lettered or skipped delivery again (admins, after fixing its cause)."""
    row = await service.retry_delivery(session, delivery_id)
    return (await service.with_log(session, [row]))[0]


@router.post("/read-all", status_code=204)
async def read_all_notifications(session: SessionDep, principal: CurrentUser) -> None:
    """Mark every notification of mine as read."""
    await service.mark_all_read(session, principal.id)


@router.post("/{notification_id}/read", responses=responses(NotFound))
async def read_notification(session: SessionDep, principal: CurrentUser, notification_id: Id) -> NotificationRead:
    """Mark one of my notifications as read."""
    return NotificationRead.model_validate(await service.mark_read(session, principal.id, notification_id))

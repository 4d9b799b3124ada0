from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.auth.dependencies import AdminUser, CurrentUser, StaffUser
from api.database import SessionDep
from api.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, responses
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.ratings import service
from api.ratings.models import Rating, Rectification
from api.ratings.schemas import (
    AppealDecisionIn,
    AppealIn,
    CloseIn,
    FollowUpIn,
    RatingCreate,
    RatingRead,
    RectificationRead,
)
from api.ratings.states import RectificationStatus
from api.validation import Id

router = APIRouter(tags=["ratings"])

_ERRORS = responses(Forbidden, NotFound, InvalidTransition, ValidationFailed)


@router.post("/applications/{application_id}/rating", status_code=status.HTTP_201_CREATED,
             responses=responses(Forbidden, NotFound, Conflict, ValidationFailed))
async def rate_application(session: SessionDep, principal: CurrentUser, application_id: Id,
                           body: RatingCreate) -> RatingRead:
    """好差评: rate a decided application once, 1 (非常不满意) to 5 (非常满意)."""
    rating = await service.rate(session, principal, application_id, body)
    return await service.rating_read(session, rating)


@router.get("/applications/{application_id}/rating", responses=responses(NotFound))
async def get_application_rating(session: SessionDep, principal: CurrentUser,
                                 application_id: Id) -> RatingRead | None:
    """The application's rating, or null when not yet rated."""
    rating = await service.rating_of(session, principal, application_id)
    return await service.rating_read(session, rating) if rating else None


@router.post("/ratings/{rating_id}/appeal", responses=_ERRORS)
async def appeal_rating(session: SessionDep, principal: StaffUser, rating_id: Id, body: AppealIn) -> RatingRead:
    """The department appeals a rating it considers malicious."""
    return await service.rating_read(session, await service.appeal(session, principal, rating_id, body.reason))


@router.post("/ratings/{rating_id}/appeal-decision", responses=_ERRORS)
async def decide_rating_appeal(session: SessionDep, admin: AdminUser, rating_id: Id,
                               body: AppealDecisionIn) -> RatingRead:
    """An admin decides an appeal; an upheld one removes the rating from statistics."""
    return await service.rating_read(session, await service.decide_appeal(session, admin, rating_id, body))


@router.get("/ratings/appeals")
async def list_rating_appeals(request: Request, response: Response, session: SessionDep, admin: AdminUser,
                              cursor: CursorParam = None, limit: LimitParam = 20) -> Page[RatingRead]:
    """Appeals waiting for an admin's decision, oldest first."""
    rows, next_cursor = await keyset_page(session, service.pending_appeals(), [(Rating.id, False)],
                                          lambda r: [r.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[await service.rating_read(session, r) for r in rows], next_cursor=next_cursor)


@router.get("/rectifications")
async def list_rectifications(request: Request, response: Response, session: SessionDep, principal: StaffUser,
                              status_: Annotated[RectificationStatus | None, Query(alias="status")] = None,
                              cursor: CursorParam = None, limit: LimitParam = 20) -> Page[RectificationRead]:
    """Rectification tasks of my units, newest first."""
    stmt = service.rectifications_readable_by(principal)
    if status_ is not None:
        stmt = stmt.where(Rectification.status == status_)
    rows, next_cursor = await keyset_page(session, stmt, [(Rectification.id, True)], lambda r: [r.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[await service.rectification_read(session, r) for r in rows], next_cursor=next_cursor)


@router.get("/rectifications/{rectification_id}", responses=responses(NotFound))
async def get_rectification(session: SessionDep, principal: StaffUser, rectification_id: Id) -> RectificationRead:
    """One rectification task with its clock and follow-up records."""
    return await service.rectification_read(session, await service.get_rectification(session, principal,
                                                                                      rectification_id))


@router.post("/rectifications/{rectification_id}/follow-ups", responses=_ERRORS)
async def record_rectification_follow_up(session: SessionDep, principal: StaffUser, rectification_id: Id,
                                         body: FollowUpIn) -> RectificationRead:
    """回访: record contact with the applicant about the bad rating."""
    rect = await service.follow_up(session, principal, rectification_id, body)
    return await service.rectification_read(session, rect)


@router.post("/rectifications/{rectification_id}/close", responses=_ERRORS)
async def close_rectification(session: SessionDep, principal: StaffUser, rectification_id: Id,
                              body: CloseIn) -> RectificationRead:
    """Close the task with the measures taken (a follow-up must be recorded first)."""
    rect = await service.close(session, principal, rectification_id, body.measures)
    return await service.rectification_read(session, rect)

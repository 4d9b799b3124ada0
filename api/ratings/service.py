"""好差评: one rating per decided application; bad ratings open a rectification task (a case on the kernel,
api/cases); appeals. Applications are reached through api.applications.service only, and never the other way:
this module registers its satisfaction counter with the applications' statistics."""

from typing import Any

from sqlalchemy import Select, case, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.applications import service as applications
from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.cases import service as cases
from api.catalog import service as catalog
from api.database import utcnow
from api.errors import Conflict, InvalidTransition, NotFound
from api.ratings.models import Rating, Rectification, RectificationEvent
from api.ratings.schemas import (
    AppealDecisionIn,
    FollowUpIn,
    RatingCreate,
    RatingRead,
    RectificationEventRead,
    RectificationRead,
)
from api.ratings.states import (
    OPEN,
    RECTIFICATION,
    RECTIFICATION_DAYS,
    RECTIFY_MAX,
    SATISFIED_MIN,
    SCORE_LABELS,
    AppealStatus,
    RectificationAction,
    RectificationStatus,
)

R, RA = RectificationStatus, RectificationAction
Application = applications.Application


class AlreadyRated(Conflict):
    code = "already_rated"
    title = "该申请已评价，每件只能评价一次"


async def rating_of(session: AsyncSession, p: Principal, application_id: int) -> Rating | None:
    app = await applications.get(session, p, application_id)
    return (await session.execute(select(Rating).where(Rating.application_id == app.id))).scalar_one_or_none()


async def rating_read(session: AsyncSession, r: Rating) -> RatingRead:
    rect_id = (await session.execute(select(Rectification.id).where(Rectification.rating_id == r.id))).scalar()
    return RatingRead(id=r.id, application_id=r.application_id, score=r.score, score_label=SCORE_LABELS[r.score],
                      tags=r.tags or [], comment=r.comment, created_at=r.created_at, appeal_status=r.appeal_status,
                      appeal_reason=r.appeal_reason, appeal_decision_note=r.appeal_decision_note,
                      excluded=r.excluded, rectification_id=rect_id)


async def rate(session: AsyncSession, p: Principal, application_id: int, body: RatingCreate) -> Rating:
    """Rate once after 办结 or 不予批准; 1–2 opens a 15-working-day rectification for the department."""
    app = await applications.get(session, p, application_id)
    if app.applicant_id != p.id:
        raise applications.NotApplicant("仅限申请人本人评价")
    if app.status not in applications.RATEABLE:
        label = applications.APPLICATION.state_labels[applications.ApplicationStatus(app.status)]
        raise InvalidTransition(f"申请当前状态为“{label}”，办结或不予批准后才能评价")
    if (await session.execute(select(Rating.id).where(Rating.application_id == app.id))).first():
        raise AlreadyRated()
    rating = Rating(application_id=app.id, rater_id=p.id, owner_unit_id=app.owner_unit_id, service_id=app.service_id,
                    score=body.score, tags=body.tags, comment=body.comment)
    session.add(rating)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # the unique constraint decides a race between two submissions
        raise AlreadyRated() from exc
    actor = applications.person(p)
    await audit.record(session, actor, "rating.create", "application", app.id,
                       {"score": body.score, "tags": body.tags})
    if body.score <= RECTIFY_MAX:
        await _open_rectification(session, rating, app, actor)
    return rating


async def _open_rectification(session: AsyncSession, rating: Rating, app: Any, actor: Actor) -> None:
    rect = Rectification(rating_id=rating.id, application_id=app.id, org_unit_id=app.owner_unit_id)
    detail = {"tracking_no": app.tracking_no, "handler_id": app.assignee_id}
    await cases.create(session, rect, actor, note=f"差评（{SCORE_LABELS[rating.score]}）触发整改", detail=detail)
    await cases.start_clock(session, rect, RECTIFICATION_DAYS, actor)


def rectifications_readable_by(p: Principal) -> Select[Any]:
    if not p.scope_paths(Role.handler, Role.leader):
        return select(Rectification).where(false())
    return select(Rectification).where(cases.in_units_under(Rectification.org_unit_id, p, Role.handler, Role.leader))


async def get_rectification(session: AsyncSession, p: Principal, rect_id: int, lock: bool = False) -> Rectification:
    stmt = rectifications_readable_by(p).where(Rectification.id == rect_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    rect = (await session.execute(stmt)).scalar_one_or_none()
    if rect is None:
        raise NotFound("整改任务不存在")
    return rect


async def _require_handler(session: AsyncSession, p: Principal, unit_id: int) -> None:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not p.covers(Role.handler, unit.path):
        raise applications.NotHandler()


async def follow_up(session: AsyncSession, p: Principal, rect_id: int, body: FollowUpIn) -> Rectification:
    """回访: record contact with the applicant (required before the task can close)."""
    rect = await get_rectification(session, p, rect_id, lock=True)
    await _require_handler(session, p, rect.org_unit_id)
    await cases.transition(session, rect, RA.follow_up, p.actor(Role.handler), note=body.note,
                           detail={"method": body.method})
    return rect


async def close(session: AsyncSession, p: Principal, rect_id: int, measures: str) -> Rectification:
    rect = await get_rectification(session, p, rect_id, lock=True)
    await _require_handler(session, p, rect.org_unit_id)
    if rect.status == R.open:
        raise InvalidTransition("须先完成回访并记录回访情况，才能办结整改")
    actor = p.actor(Role.handler)
    rect.measures, rect.closed_at = measures, utcnow()
    await cases.transition(session, rect, RA.close, actor, note=measures)
    await cases.stop_clock(session, rect, actor)
    return rect


async def rectification_read(session: AsyncSession, rect: Rectification) -> RectificationRead:
    rating = await session.get(Rating, rect.rating_id)
    app = await session.get(Application, rect.application_id)
    assert rating is not None and app is not None
    unit = (await catalog.units_by_id(session, {rect.org_unit_id}))[rect.org_unit_id]
    events = (await session.execute(select(RectificationEvent).where(RectificationEvent.rectification_id == rect.id)
                                    .order_by(RectificationEvent.id))).scalars()
    clock = await cases.clock_of(session, rect)
    return RectificationRead(
        id=rect.id, application_id=app.id, tracking_no=app.tracking_no,
        org_unit=catalog.UnitRef(id=unit.id, name=unit.name),
        status=rect.status, status_label=RECTIFICATION.state_labels[R(rect.status)],
        rating=await rating_read(session, rating),
        measures=rect.measures, clock=await calendar.clock_state(session, clock) if clock else None,
        events=[RectificationEventRead(action=e.action, from_status=e.from_status, to_status=e.to_status, note=e.note,
                                       detail=e.detail, actor_name=e.actor_name, created_at=e.created_at)
                for e in events],
        created_at=rect.created_at, closed_at=rect.closed_at)


async def _rating_for_staff(session: AsyncSession, p: Principal, rating_id: int) -> Rating:
    rating = (await session.execute(select(Rating).where(Rating.id == rating_id).with_for_update()
                                    .execution_options(populate_existing=True))).scalar_one_or_none()
    if rating is None:
        raise NotFound("评价不存在")
    if not p.has(Role.admin):
        await applications.get(session, p, rating.application_id)  # 404 outside the caller's units
    return rating


async def appeal(session: AsyncSession, p: Principal, rating_id: int, reason: str) -> Rating:
    """The department appeals a rating it considers malicious; an admin decides."""
    rating = await _rating_for_staff(session, p, rating_id)
    await _require_handler(session, p, rating.owner_unit_id)
    if rating.appeal_status != AppealStatus.none:
        raise InvalidTransition("该评价已申诉过")
    rating.appeal_status, rating.appeal_reason = AppealStatus.pending, reason
    rating.appeal_by_id, rating.appeal_at = p.id, utcnow()
    await session.flush()
    await audit.record(session, p.actor(Role.handler), "rating.appeal", "rating", rating.id, {"reason": reason})
    return rating


async def decide_appeal(session: AsyncSession, p: Principal, rating_id: int, body: AppealDecisionIn) -> Rating:
    rating = await _rating_for_staff(session, p, rating_id)
    if rating.appeal_status != AppealStatus.pending:
        raise InvalidTransition("该评价没有待裁决的申诉")
    actor = p.actor(Role.admin)
    rating.appeal_status = AppealStatus.upheld if body.upheld else AppealStatus.rejected
    rating.appeal_decision_note, rating.appeal_decided_by_id, rating.appeal_decided_at = body.note, p.id, utcnow()
    rating.excluded = body.upheld
    await session.flush()
    await audit.record(session, actor, "rating.appeal_decision", "rating", rating.id,
                       {"upheld": body.upheld, "note": body.note})
    if body.upheld:
        rect = (await session.execute(select(Rectification).where(Rectification.rating_id == rating.id)
                                      .with_for_update())).scalar_one_or_none()
        if rect is not None and rect.status in OPEN:
            await cases.transition(session, rect, RA.cancel, actor, note="申诉成立：恶意差评")
            await cases.stop_clock(session, rect, actor)
    return rating


def pending_appeals() -> Select[Any]:
    return select(Rating).where(Rating.appeal_status == AppealStatus.pending)


async def rating_counts(session: AsyncSession,
                        where: list[ColumnElement[bool]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(service_id, unit_id) → (valid ratings, satisfied) for the applications matching `where`."""
    rows = (await session.execute(
        select(Application.service_id, Application.owner_unit_id, func.count(),
               func.sum(case((Rating.score >= SATISFIED_MIN, 1), else_=0)))
        .join(Application, Application.id == Rating.application_id)
        .where(*where, Rating.excluded.is_(False))
        .group_by(Application.service_id, Application.owner_unit_id))).all()
    return {(s, u): (int(n), int(sat or 0)) for s, u, n, sat in rows}


applications.count_satisfaction_with(rating_counts)

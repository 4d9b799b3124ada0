from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.auth.dependencies import require_role
from api.auth.models import Role
from api.auth.principal import Principal
from api.database import ReadSessionDep, SessionDep
from api.errors import Forbidden, ValidationFailed, responses
from api.visits import service
from api.visits.schemas import ViewCount, VisitIn, VisitStats
from api.visits.states import is_bot

router = APIRouter(prefix="/visits", tags=["visits"])

StatsReader = Annotated[Principal, Depends(require_role(Role.editor, Role.leader, Role.admin))]


@router.post("", responses=responses(ValidationFailed))
async def count_visit(request: Request, session: ReadSessionDep, body: VisitIn) -> ViewCount:
    """Count one view of a public item (bots excluded; nothing about the visitor is kept); returns 浏览次数."""
    if not is_bot(request.headers.get("user-agent")):
        await service.counter.count(body.kind, body.id)
    return ViewCount(views=await service.views_of(session, body.kind, body.id))


@router.get("/stats", responses=responses(Forbidden, ValidationFailed))
async def get_visit_stats(session: SessionDep, principal: StatsReader,
                          date_from: Annotated[date | None, Query(description="起始日期（默认近30天）")] = None,
                          date_to: Annotated[date | None, Query(description="截止日期（默认今天）")] = None,
                          ) -> VisitStats:
    """Views per day, kind and column, and the most viewed items, for editors."""
    return await service.stats(session, date_from, date_to)

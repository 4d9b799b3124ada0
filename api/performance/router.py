from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from api.auth.dependencies import AdminUser, require_role
from api.auth.models import Role
from api.auth.principal import Principal
from api.database import SessionDep
from api.errors import Forbidden, ValidationFailed, responses
from api.performance import service
from api.performance.schemas import PerformanceReport, WeightItem, WeightsIn

router = APIRouter(prefix="/performance", tags=["performance"])

PerformanceReader = Annotated[Principal, Depends(require_role(Role.leader, Role.admin))]
DateFrom = Annotated[date | None, Query(description="起始日期（默认今年1月1日）")]
DateTo = Annotated[date | None, Query(description="截止日期（默认今天）")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _report(session: SessionDep, date_from: date | None, date_to: date | None) -> PerformanceReport:
    first, last = service.period_default()
    return await service.report(session, date_from or first, date_to or last)


@router.get("", responses=responses(Forbidden, ValidationFailed))
async def get_performance(session: SessionDep, principal: PerformanceReader, date_from: DateFrom = None,
                          date_to: DateTo = None) -> PerformanceReport:
    """Each department's indicators, score and rank for a period, with the weights and the formula."""
    return await _report(session, date_from, date_to)


@router.get("/export", response_class=Response, responses={
    **responses(Forbidden, ValidationFailed), 200: {"content": {XLSX: {}}, "description": "绩效考核表（.xlsx）"}})
async def export_performance(session: SessionDep, principal: PerformanceReader, date_from: DateFrom = None,
                             date_to: DateTo = None) -> Response:
    """The same report as an Excel workbook."""
    rep = await _report(session, date_from, date_to)
    name = f"网站绩效考核_{rep.date_from}_{rep.date_to}.xlsx"
    return Response(service.to_xlsx(rep), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/weights", responses=responses(Forbidden))
async def get_performance_weights(session: SessionDep, principal: PerformanceReader) -> list[WeightItem]:
    """The weight of each indicator."""
    return [WeightItem(indicator=i, weight=n) for i, n in (await service.weights(session)).items()]


@router.put("/weights", responses=responses(Forbidden, ValidationFailed))
async def set_performance_weights(session: SessionDep, admin: AdminUser, body: WeightsIn) -> list[WeightItem]:
    """Change indicator weights (others keep theirs)."""
    merged = await service.set_weights(session, body, admin.actor(Role.admin))
    return [WeightItem(indicator=i, weight=n) for i, n in merged.items()]

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth.dependencies import AdminUser, require_role
from api.auth.models import Role
from api.auth.principal import Principal
from api.compliance import links, service
from api.compliance.schemas import (
    ComplianceReport,
    ComplianceSettingsIn,
    ComplianceSettingsRead,
    LinkCheckRun,
    SnapshotPoint,
)
from api.database import SessionDep
from api.errors import Forbidden, ValidationFailed, responses

router = APIRouter(prefix="/compliance", tags=["compliance"])

# The site's managers: admins, leaders and the editors who keep the columns up to date.
RadarUser = Annotated[Principal, Depends(require_role(Role.admin, Role.leader, Role.editor))]


def _settings(row: object) -> ComplianceSettingsRead:
    return ComplianceSettingsRead.model_validate(row, from_attributes=True)


@router.get("", responses=responses(Forbidden))
async def get_compliance_report(session: SessionDep, principal: RadarUser) -> ComplianceReport:
    """Every 38号 check computed from our own data, each finding with its department and where to fix it."""
    return await service.report(session)


@router.get("/trend", responses=responses(Forbidden, ValidationFailed))
async def get_compliance_trend(session: SessionDep, principal: RadarUser,
                               days: Annotated[int, Query(ge=1, le=366)] = 90) -> list[SnapshotPoint]:
    """The daily snapshots of the last `days` days: findings per check and day."""
    return await service.trend(session, days)


@router.get("/settings", responses=responses(Forbidden))
async def get_compliance_settings(session: SessionDep, admin: AdminUser) -> ComplianceSettingsRead:
    """Whether the link job may fetch external links, and the site's own host names."""
    return _settings(await service.get_settings_row(session))


@router.put("/settings", responses=responses(Forbidden, ValidationFailed))
async def update_compliance_settings(session: SessionDep, admin: AdminUser,
                                     body: ComplianceSettingsIn) -> ComplianceSettingsRead:
    """Turn outbound link checks on or off and set the site's own host names."""
    return _settings(await service.update_settings(session, body, admin.actor(Role.admin)))


@router.post("/link-check", responses=responses(Forbidden))
async def run_compliance_link_check(session: SessionDep, admin: AdminUser) -> LinkCheckRun:
    """Run the link job now (it also runs daily) and take today's snapshot."""
    result = await links.run(session)
    await service.take_snapshot(session)
    return result


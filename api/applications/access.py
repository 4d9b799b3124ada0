"""Who sees and who may act on an application: the one visibility query and the role checks."""

from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.exceptions import NotApplicant, NotHandler
from api.applications.models import Application, Approval
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.cases.service import in_units_under
from api.errors import NotFound


def readable_by(p: Principal) -> Select[Any]:
    """Applicants their own; handlers and leaders the cases of their units (as owner or approver)."""
    conds: list[Any] = [Application.applicant_id == p.id]
    if p.scope_paths(Role.handler, Role.leader):
        conds.append(in_units_under(Application.owner_unit_id, p, Role.handler, Role.leader))
        conds.append(exists().where(Approval.application_id == Application.id,
                                    in_units_under(Approval.org_unit_id, p, Role.handler, Role.leader)))
    return select(Application).where(or_(*conds))


async def get(session: AsyncSession, p: Principal, application_id: int) -> Application:
    app = (await session.execute(readable_by(p).where(Application.id == application_id))).scalar_one_or_none()
    if app is None:
        raise NotFound("申请不存在")
    return app


async def get_by_tracking_no(session: AsyncSession, p: Principal, tracking_no: str) -> Application:
    stmt = readable_by(p).where(Application.tracking_no == tracking_no.strip().upper())
    app = (await session.execute(stmt)).scalar_one_or_none()
    if app is None:
        raise NotFound("未找到该受理编号的申请")
    return app


async def for_action(session: AsyncSession, p: Principal, application_id: int) -> Application:
    """The case, row-locked for this transaction, so two handlers acting at once run one after the other."""
    stmt = (readable_by(p).where(Application.id == application_id)
            .with_for_update(of=Application).execution_options(populate_existing=True))
    app = (await session.execute(stmt)).scalar_one_or_none()
    if app is None:
        raise NotFound("申请不存在")
    return app


async def unit(session: AsyncSession, unit_id: int) -> OrgUnit:
    found = await session.get(OrgUnit, unit_id)
    assert found is not None
    return found


async def require_owner_handler(session: AsyncSession, p: Principal, app: Application) -> None:
    if not p.covers(Role.handler, (await unit(session, app.owner_unit_id)).path):
        raise NotHandler()


def require_applicant(p: Principal, app: Application) -> None:
    if app.applicant_id != p.id:
        raise NotApplicant()


def person(p: Principal) -> Actor:
    """The applicant as the case history names them (citizens hold no role)."""
    return Actor(p.id, p.display_name, "applicant")

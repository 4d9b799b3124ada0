from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import or_

from api.admin import service
from api.auth.dependencies import AdminUser, SecurityAdminUser, UserReader
from api.auth.models import OrgUnit, User, UserKind
from api.auth.schemas import (
    GrantCreate,
    GrantRead,
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
    PasswordResetIn,
    UserCreate,
    UserRead,
    UserUpdate,
)
from api.auth.service import load_user
from api.auth.views import grant_read, user_read
from api.database import LIKE_ESCAPE, SessionDep, escape_like
from api.errors import Conflict, Forbidden, NotFound, ValidationFailed, responses
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.validation import Id

router = APIRouter(prefix="/admin", tags=["admin"])
public_router = APIRouter(tags=["org-units"])

_ERRORS = responses(Forbidden, NotFound, Conflict, ValidationFailed)


async def _reload(session: SessionDep, user_id: int) -> UserRead:
    user = await load_user(session, user_id)
    assert user is not None
    return user_read(user)


@router.get("/users")
async def list_users(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: UserReader,
    q: Annotated[str | None, Query(max_length=64, description="用户名或姓名")] = None,
    org_unit_id: Id | None = None,
    kind: UserKind | None = None,
    cursor: CursorParam = None,
    limit: LimitParam = 20,
) -> Page[UserRead]:
    """Users the admin may manage, newest first."""
    stmt = service.users_readable_by(principal)
    if q:
        like = f"%{escape_like(q.strip())}%"
        stmt = stmt.where(or_(User.username.like(like.lower(), escape=LIKE_ESCAPE),
                              User.display_name.like(like, escape=LIKE_ESCAPE)))
    if org_unit_id is not None:
        stmt = stmt.where(OrgUnit.id == org_unit_id)
    if kind is not None:
        stmt = stmt.where(User.kind == kind)
    rows, next_cursor = await keyset_page(session, stmt, [(User.id, True)], lambda u: [u.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[user_read(u) for u in rows], next_cursor=next_cursor)


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_user(session: SessionDep, principal: AdminUser, body: UserCreate) -> UserRead:
    """Create a staff or public account in a unit the admin manages."""
    user = await service.create_user(session, principal, body)
    return await _reload(session, user.id)


@router.get("/users/{user_id}", responses=_ERRORS)
async def get_user(session: SessionDep, principal: UserReader, user_id: Id) -> UserRead:
    """One user the admin may manage."""
    return user_read(await service.get_user(session, principal, user_id))


@router.patch("/users/{user_id}", responses=_ERRORS)
async def update_user(session: SessionDep, principal: UserReader, user_id: Id, body: UserUpdate) -> UserRead:
    """Change a user's name, unit or contact details."""
    user = await service.update_user(session, principal, user_id, body)
    session.expunge(user)
    return await _reload(session, user_id)


@router.post("/users/{user_id}/reset-password", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def reset_password(session: SessionDep, principal: UserReader, user_id: Id, body: PasswordResetIn) -> None:
    """Set a new password that the user must change at next login; ends their sessions."""
    await service.reset_password(session, principal, user_id, body.new_password)


@router.post("/users/{user_id}/deactivate", responses=_ERRORS)
async def deactivate_user(session: SessionDep, principal: UserReader, user_id: Id) -> UserRead:
    """Stop an account from signing in; ends its sessions."""
    user = await service.set_active(session, principal, user_id, False)
    return user_read(user)


@router.post("/users/{user_id}/activate", responses=_ERRORS)
async def activate_user(session: SessionDep, principal: UserReader, user_id: Id) -> UserRead:
    """Let a deactivated account sign in again."""
    user = await service.set_active(session, principal, user_id, True)
    return user_read(user)


@public_router.get("/org-units")
async def list_org_units(session: SessionDep) -> list[OrgUnitRead]:
    """Every org unit, flat, in tree order (parents before children)."""
    return [OrgUnitRead.model_validate(u) for u in await service.list_org_units(session)]


@router.post("/org-units", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_org_unit(session: SessionDep, principal: AdminUser, body: OrgUnitCreate) -> OrgUnitRead:
    """Add a unit below one the admin manages."""
    return OrgUnitRead.model_validate(await service.create_org_unit(session, principal, body))


@router.patch("/org-units/{unit_id}", responses=_ERRORS)
async def update_org_unit(
    session: SessionDep, principal: AdminUser, unit_id: Id, body: OrgUnitUpdate
) -> OrgUnitRead:
    """Rename, reorder or move a unit."""
    return OrgUnitRead.model_validate(await service.update_org_unit(session, principal, unit_id, body))


@router.get("/role-grants", responses=_ERRORS)
async def list_role_grants(
    session: SessionDep, principal: SecurityAdminUser, user_id: Id | None = None
) -> list[GrantRead]:
    """Role grants of the users the security admin manages."""
    return [grant_read(g, g.user.display_name) for g in await service.list_grants(session, principal, user_id)]


@router.post("/role-grants", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_role_grant(session: SessionDep, principal: SecurityAdminUser, body: GrantCreate) -> GrantRead:
    """Grant a role on an org unit (and the units below it)."""
    grant = await service.create_grant(session, principal, body)
    user = await load_user(session, grant.user_id)
    return grant_read(grant, user.display_name if user else None)


@router.delete("/role-grants/{grant_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_role_grant(session: SessionDep, principal: SecurityAdminUser, grant_id: Id) -> None:
    """Revoke a role grant."""
    await service.delete_grant(session, principal, grant_id)

"""Typed dependencies: a handler's signature says who may call it."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.auth import service
from api.auth.exceptions import PasswordChangeRequired
from api.auth.models import Role
from api.auth.principal import Principal
from api.database import SessionDep
from api.errors import Forbidden, Unauthorized, raises

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@raises(Unauthorized)  # a token that is sent must be valid
async def token_principal(
    session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal | None:
    """The bearer, whatever its token allows. Only the password-change routes depend on it directly."""
    if not token:
        return None
    return await service.principal_from_token(session, token)


@raises(PasswordChangeRequired)
async def optional_principal(principal: Annotated[Principal | None, Depends(token_principal)]) -> Principal | None:
    """Every route that reads the caller comes through here: a token issued while the account must change its
    password is refused (403 password_change_required) except by `PasswordChangingUser` routes."""
    if principal is not None and principal.password_change_required:
        raise PasswordChangeRequired("账号须先修改密码，修改前只能查看本人信息、修改密码或退出登录")
    return principal


@raises(Unauthorized)
async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("请先登录")
    return principal


async def password_changing_principal(
    principal: Annotated[Principal | None, Depends(token_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized("请先登录")
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
CurrentUser = Annotated[Principal, Depends(current_principal)]
# /auth/me, /auth/password and /auth/logout: also a caller who must change their password first.
PasswordChangingUser = Annotated[Principal, Depends(password_changing_principal)]
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def require_role(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    @raises(Forbidden)
    async def dependency(principal: CurrentUser) -> Principal:
        if not principal.has(*roles):
            raise Forbidden("需要以下角色之一：" + "、".join(ROLE_LABELS[r] for r in roles))
        return principal

    dependency.required_roles = roles  # type: ignore[attr-defined]  # read by callers() for the contract
    return dependency


@raises(Forbidden)
async def staff_principal(principal: CurrentUser) -> Principal:
    if not principal.is_staff:
        raise Forbidden("仅限工作人员")
    return principal


ROLE_LABELS = {
    Role.editor: "信息员",
    Role.reviewer: "审核员",
    Role.secrecy_officer: "保密审查员",
    Role.handler: "经办人",
    Role.leader: "领导",
    Role.admin: "系统管理员",
    Role.security_admin: "安全管理员",
    Role.auditor: "安全审计员",
}

StaffUser = Annotated[Principal, Depends(staff_principal)]
AdminUser = Annotated[Principal, Depends(require_role(Role.admin))]
SecurityAdminUser = Annotated[Principal, Depends(require_role(Role.security_admin))]
AuditorUser = Annotated[Principal, Depends(require_role(Role.auditor))]
# Reads users: the admin manages them, the security admin needs them to grant roles.
UserReader = Annotated[Principal, Depends(require_role(Role.admin, Role.security_admin))]


def callers(dependency_calls: list[Any]) -> list[str]:
    """Who may call an operation, from the calls in its dependency tree, for the contract's ``x-callers``: the
    roles a ``require_role`` names, ["staff"] (StaffUser), ["user"] (any signed-in user: a citizen, a
    mini-program sign-in) or ["anyone"]. Checks a handler makes itself (a case's owner) come on top of this."""
    roles = sorted({str(r) for call in dependency_calls for r in getattr(call, "required_roles", ())})
    if roles:
        return roles
    if staff_principal in dependency_calls:
        return ["staff"]
    if current_principal in dependency_calls or password_changing_principal in dependency_calls:
        return ["user"]
    return ["anyone"]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"

"""Plain create_* helpers that write straight to the test session."""

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgKind, OrgUnit, Role, RoleGrant, User, UserKind
from api.auth.passwords import hash_password_blocking
from api.auth.service import issue_access_token

PASSWORD = "Passw0rd!x"
_PASSWORD_HASH = hash_password_blocking(PASSWORD)
_seq = itertools.count(1)


async def create_org_unit(
    session: AsyncSession, name: str | None = None, parent: OrgUnit | None = None,
    kind: OrgKind = OrgKind.department, code: str | None = None,
) -> OrgUnit:
    n = next(_seq)
    unit = OrgUnit(code=code or f"U{n}", name=name or f"测试处室{n}", kind=kind if parent else OrgKind.agency,
                   parent_id=parent.id if parent else None, path="")
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    await session.flush()
    return unit


async def create_user(
    session: AsyncSession, unit: OrgUnit | None = None, roles: list[Role] | None = None,
    grant_unit: OrgUnit | None = None, username: str | None = None, **kw: Any,
) -> User:
    n = next(_seq)
    user = User(username=username or f"user{n}", display_name=kw.pop("display_name", f"用户{n}"),
                kind=UserKind.staff if unit else UserKind.public, org_unit_id=unit.id if unit else None,
                password_hash=_PASSWORD_HASH, **kw)
    session.add(user)
    await session.flush()
    for role in roles or []:
        target = grant_unit or unit
        assert target is not None, "a role needs an org unit"
        session.add(RoleGrant(user_id=user.id, role=role, org_unit_id=target.id))
    await session.flush()
    return user


def auth(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(user)}"}

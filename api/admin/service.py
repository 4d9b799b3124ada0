"""User, org-unit and role-grant administration, each scoped to the caller's org-unit subtree."""

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth import service as auth
from api.auth.dependencies import ROLE_LABELS
from api.auth.exceptions import LastRoleHolder, OwnAccount, SeparatedRoleAccount
from api.auth.models import SEPARATED_ROLES, OrgKind, OrgUnit, Role, RoleGrant, User, UserKind
from api.auth.passwords import hash_password
from api.auth.principal import Principal
from api.auth.schemas import GrantCreate, OrgUnitCreate, OrgUnitUpdate, UserCreate, UserUpdate
from api.cases.service import units_under
from api.cases.workflow import register_enum
from api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from api.publiccache import service as publiccache

ORG_KIND_LABELS = {OrgKind.agency: "机关", OrgKind.department: "处室", OrgKind.centre: "直属中心",
                   OrgKind.enterprise: "企事业单位"}
USER_KIND_LABELS = {UserKind.staff: "工作人员", UserKind.public: "公众"}
register_enum("role", ROLE_LABELS)
register_enum("org_kind", ORG_KIND_LABELS)
register_enum("user_kind", USER_KIND_LABELS)
# Who an audit record says acted: a role, or for plain sign-ins a kind of user, or the system itself.
register_enum("actor", {**ROLE_LABELS, **USER_KIND_LABELS, "system": "系统"})


def _field_error(field: str, message: str, kind: str = "invalid") -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": kind}])


def _is_root_scope(principal: Principal, role: Role) -> bool:
    """A grant on a top-level unit (path "/<id>/") also covers users who belong to no unit."""
    return any(p.count("/") == 2 for p in principal.scope_paths(role))


def users_readable_by(principal: Principal) -> Select[Any]:
    """The one visibility query for user administration."""
    conds = [units_under(principal, Role.admin, Role.security_admin)]
    if _is_root_scope(principal, Role.admin) or _is_root_scope(principal, Role.security_admin):
        conds.append(User.org_unit_id.is_(None))
    return (
        select(User).outerjoin(OrgUnit, User.org_unit_id == OrgUnit.id)
        .where(or_(*conds))
        .options(selectinload(User.grants).selectinload(RoleGrant.org_unit), selectinload(User.org_unit))
    )


async def get_user(session: AsyncSession, principal: Principal, user_id: int) -> User:
    user = (await session.execute(users_readable_by(principal).where(User.id == user_id))).scalar_one_or_none()
    if not isinstance(user, User):
        raise NotFound("用户不存在")
    return user


ROLE_NAMES = {Role.admin: "系统管理员", Role.security_admin: "安全管理员", Role.auditor: "安全审计员"}


async def managed_user(session: AsyncSession, principal: Principal, user_id: int) -> tuple[User, Role]:
    """三员分立, the one gate for every change to an account (update, password reset, (de)activation, grants).

    Never one's own account. An account holding admin, security_admin or auditor is managed only by a security
    admin; any other account by an admin. Returns the user and the role the caller acts in (for the audit)."""
    user = await get_user(session, principal, user_id)
    if user.id == principal.id:
        raise OwnAccount("不能通过管理功能修改自己的账号；修改本人密码请使用“修改密码”")
    if {g.role for g in user.grants} & SEPARATED_ROLES:
        if not principal.has(Role.security_admin):
            raise SeparatedRoleAccount("三员分立：系统管理员、安全管理员、安全审计员的账号只能由安全管理员管理")
        return user, Role.security_admin
    if not principal.has(Role.admin):
        raise Forbidden("需要以下角色之一：系统管理员")
    return user, Role.admin


async def _ensure_not_last_holder(session: AsyncSession, user: User, roles: set[Role]) -> None:
    """409 if taking these roles away from `user` (or deactivating them) leaves a 三员 role with no active holder.
    The holders' rows are locked (PostgreSQL), so two requests cannot each remove one of the last two."""
    for role in sorted(roles & SEPARATED_ROLES):
        holders = set((await session.execute(
            select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == role, User.is_active.is_(True)).order_by(User.id).with_for_update(of=User)
        )).scalars())
        if holders <= {user.id}:
            raise LastRoleHolder(f"三员分立：{user.display_name}是最后一名在用的{ROLE_NAMES[role]}，"
                                 f"须先为他人授予该角色")


async def _unit_in_scope(session: AsyncSession, principal: Principal, unit_id: int, role: Role,
                         field: str) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise _field_error(field, "机构不存在", "not_found")
    if not principal.covers(role, unit.path):
        raise Forbidden("无权管理该机构")
    return unit


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    username = data.username.lower()
    if data.kind == UserKind.staff and data.org_unit_id is None:
        raise _field_error("org_unit_id", "工作人员必须属于一个机构", "missing")
    if data.kind == UserKind.public and data.org_unit_id is not None:
        raise _field_error("org_unit_id", "公众用户不属于任何机构")
    if data.org_unit_id is not None:
        await _unit_in_scope(session, principal, data.org_unit_id, Role.admin, "org_unit_id")
    elif not _is_root_scope(principal, Role.admin):
        raise Forbidden("只有本机关的系统管理员可以管理公众用户")
    auth.check_password_policy(data.password, username, extra_inputs=(data.display_name,))
    await auth.ensure_username_free(session, username)
    user = User(username=username, display_name=data.display_name, kind=data.kind,
                org_unit_id=data.org_unit_id, email=data.email, phone=data.phone,
                password_hash=await hash_password(data.password), must_change_password=True)
    session.add(user)
    await session.flush()
    await audit.record(session, principal.actor(Role.admin), "user.create", "user", user.id,
                       {"username": username, "kind": data.kind, "org_unit_id": data.org_unit_id})
    return user


async def update_user(session: AsyncSession, principal: Principal, user_id: int, data: UserUpdate) -> User:
    user, acting_as = await managed_user(session, principal, user_id)
    changes = data.model_dump(exclude_unset=True)
    if "display_name" in changes and changes["display_name"] is None:
        raise _field_error("display_name", "姓名不能为空", "missing")
    if "org_unit_id" in changes:
        if changes["org_unit_id"] is None and user.kind == UserKind.staff:
            raise _field_error("org_unit_id", "工作人员必须属于一个机构", "missing")
        if changes["org_unit_id"] is not None:
            if user.kind == UserKind.public:
                raise _field_error("org_unit_id", "公众用户不属于任何机构")
            await _unit_in_scope(session, principal, changes["org_unit_id"], acting_as, "org_unit_id")
    before = {k: getattr(user, k) for k in changes}
    for key, value in changes.items():
        setattr(user, key, value)
    await session.flush()
    await audit.record(session, principal.actor(acting_as), "user.update", "user", user.id,
                       {"before": before, "after": changes})
    return user


async def reset_password(session: AsyncSession, principal: Principal, user_id: int, new_password: str) -> None:
    user, acting_as = await managed_user(session, principal, user_id)
    auth.check_password_policy(new_password, user.username, "new_password", (user.display_name,))
    user.password_hash = await hash_password(new_password)
    user.must_change_password = True
    user.token_version += 1
    await auth.revoke_all(session, user.id)
    await audit.record(session, principal.actor(acting_as), "user.reset_password", "user", user.id)


async def set_active(session: AsyncSession, principal: Principal, user_id: int, active: bool) -> User:
    user, acting_as = await managed_user(session, principal, user_id)
    if user.is_active != active:
        if not active:
            await _ensure_not_last_holder(session, user, {g.role for g in user.grants})
        user.is_active = active
        user.token_version += 1
        if not active:
            await auth.revoke_all(session, user.id)
        await audit.record(session, principal.actor(acting_as),
                           "user.activate" if active else "user.deactivate", "user", user.id)
    return user


async def list_org_units(session: AsyncSession) -> list[OrgUnit]:
    return list((await session.execute(select(OrgUnit).order_by(OrgUnit.path, OrgUnit.sort_order))).scalars())


async def create_org_unit(session: AsyncSession, principal: Principal, data: OrgUnitCreate) -> OrgUnit:
    if data.parent_id is None:
        raise _field_error("parent_id", "请选择上级机构", "missing")
    parent = await _unit_in_scope(session, principal, data.parent_id, Role.admin, "parent_id")
    if (await session.execute(select(OrgUnit.id).where(OrgUnit.code == data.code))).first():
        raise Conflict("机构代码已存在", field="code")
    unit = OrgUnit(code=data.code, name=data.name, kind=data.kind, parent_id=parent.id,
                   sort_order=data.sort_order, path="")
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    await session.flush()
    await audit.record(session, principal.actor(Role.admin), "org_unit.create", "org_unit", unit.id,
                       data.model_dump())
    return unit


async def update_org_unit(session: AsyncSession, principal: Principal, unit_id: int,
                          data: OrgUnitUpdate) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.covers(Role.admin, unit.path):
        raise NotFound("机构不存在")
    changes = data.model_dump(exclude_unset=True)
    if "parent_id" in changes and changes["parent_id"] != unit.parent_id:
        if changes["parent_id"] is None:
            raise _field_error("parent_id", "不能移为顶级机构")
        parent = await _unit_in_scope(session, principal, changes["parent_id"], Role.admin, "parent_id")
        if parent.path.startswith(unit.path):
            raise _field_error("parent_id", "不能移到自己的下级机构之下", "cycle")
        old_path, new_path = unit.path, f"{parent.path}{unit.id}/"
        for sub in (await session.execute(select(OrgUnit).where(OrgUnit.path.startswith(old_path)))).scalars():
            sub.path = new_path + sub.path[len(old_path):]
        unit.parent_id = parent.id
    if "name" in changes and changes["name"] is not None:
        unit.name = changes["name"]
    if "sort_order" in changes and changes["sort_order"] is not None:
        unit.sort_order = changes["sort_order"]
    await session.flush()
    await audit.record(session, principal.actor(Role.admin), "org_unit.update", "org_unit", unit.id, changes)
    await publiccache.changed(session)  # public pages name publishers and units
    return unit


async def list_grants(session: AsyncSession, principal: Principal, user_id: int | None) -> list[RoleGrant]:
    visible = users_readable_by(principal).with_only_columns(User.id)
    stmt = (select(RoleGrant).where(RoleGrant.user_id.in_(visible))
            .options(selectinload(RoleGrant.org_unit), selectinload(RoleGrant.user))
            .order_by(RoleGrant.user_id, RoleGrant.id))
    if user_id is not None:
        stmt = stmt.where(RoleGrant.user_id == user_id)
    return list((await session.execute(stmt)).scalars())


async def create_grant(session: AsyncSession, principal: Principal, data: GrantCreate) -> RoleGrant:
    user = await get_user(session, principal, data.user_id)
    if user.id == principal.id:
        raise OwnAccount("不能为自己授权")
    if user.kind != UserKind.staff:
        raise _field_error("user_id", "只能为工作人员授予角色")
    await _unit_in_scope(session, principal, data.org_unit_id, Role.security_admin, "org_unit_id")
    held = {g.role for g in user.grants}
    if data.role in SEPARATED_ROLES and held & (SEPARATED_ROLES - {data.role}):
        raise Conflict("三员分立：系统管理员、安全管理员、安全审计员不能由同一人兼任", field="role")
    if any(g.role == data.role and g.org_unit_id == data.org_unit_id for g in user.grants):
        raise Conflict("该用户已拥有此授权")
    grant = RoleGrant(user_id=user.id, role=data.role, org_unit_id=data.org_unit_id,
                      granted_by_id=principal.id)
    session.add(grant)
    await session.flush()
    await audit.record(session, principal.actor(Role.security_admin), "role_grant.create", "user", user.id,
                       {"role": data.role, "org_unit_id": data.org_unit_id})
    await session.refresh(grant, ["org_unit"])
    return grant


async def delete_grant(session: AsyncSession, principal: Principal, grant_id: int) -> None:
    grant = (await session.execute(
        select(RoleGrant).where(RoleGrant.id == grant_id).options(selectinload(RoleGrant.org_unit))
    )).scalar_one_or_none()
    if grant is None:
        raise NotFound("授权不存在")
    user = await get_user(session, principal, grant.user_id)
    if not principal.covers(Role.security_admin, grant.org_unit.path):
        raise NotFound("授权不存在")
    if user.id == principal.id:
        raise OwnAccount("不能撤销自己的授权")
    if grant.role in SEPARATED_ROLES and user.is_active and not any(
            g.role == grant.role and g.id != grant.id for g in user.grants):
        await _ensure_not_last_holder(session, user, {grant.role})
    await session.delete(grant)
    await audit.record(session, principal.actor(Role.security_admin), "role_grant.delete", "user", user.id,
                       {"role": grant.role, "org_unit_id": grant.org_unit_id})

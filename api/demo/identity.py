"""Demo identity: the 机关事务管理局, its units and one account per role (all with the demo password)."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import SYSTEM
from api.auth.models import OrgKind, OrgUnit, Role, RoleGrant, User, UserKind
from api.auth.passwords import hash_password

AGENCY = ("JGSW", "某市机关事务管理局", OrgKind.agency)
UNITS = [
    ("BGS", "办公室", OrgKind.department),
    ("JHCWC", "计划财务处", OrgKind.department),
    ("FCGLC", "房产管理处", OrgKind.department),
    ("JNB", "节能办", OrgKind.department),
    ("CLGLZX", "车辆管理中心", OrgKind.centre),
    ("SHFWZX", "生活服务中心", OrgKind.centre),
    ("WYGS", "机关物业服务公司", OrgKind.enterprise),
]

# username, name, unit code, roles (each granted on the user's own unit unless the agency is named)
DEMO_USERS = [
    ("admin", "王建国（系统管理员）", "JGSW", [Role.admin]),
    ("security", "李安（安全管理员）", "JGSW", [Role.security_admin]),
    ("auditor", "赵审（安全审计员）", "JGSW", [Role.auditor]),
    ("editor", "陈小文（信息员）", "BGS", [Role.editor]),
    ("reviewer", "刘审核（审核员）", "BGS", [Role.reviewer]),
    ("secrecy", "孙保密（保密审查员）", "BGS", [Role.secrecy_officer]),
    ("handler", "周办理（经办人）", "CLGLZX", [Role.handler]),
    # A colleague in 车辆管理中心, so a case can be assigned (分派) to someone other than oneself.
    ("handler3", "冯经办（车辆管理中心经办人）", "CLGLZX", [Role.handler]),
    # A handler in 办公室 too, so 车辆出入证's parallel approval can be shown from both departments.
    ("handler2", "郑经办（办公室经办人）", "BGS", [Role.handler]),
    ("leader", "吴局长（局领导）", "JGSW", [Role.leader]),
    ("citizen", "张市民", None, []),
]


async def is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(User))).scalar_one() == 0


async def load(session: AsyncSession, password: str) -> dict[str, OrgUnit]:
    agency = OrgUnit(code=AGENCY[0], name=AGENCY[1], kind=AGENCY[2], path="", sort_order=0)
    session.add(agency)
    await session.flush()
    agency.path = f"/{agency.id}/"
    units = {agency.code: agency}
    for i, (code, name, kind) in enumerate(UNITS, start=1):
        unit = OrgUnit(code=code, name=name, kind=kind, parent_id=agency.id, path="", sort_order=i)
        session.add(unit)
        await session.flush()
        unit.path = f"{agency.path}{unit.id}/"
        units[code] = unit
    pw_hash = await hash_password(password)
    for username, name, unit_code, roles in DEMO_USERS:
        home = units[unit_code] if unit_code else None
        user = User(username=username, display_name=name, kind=UserKind.staff if home else UserKind.public,
                    org_unit_id=home.id if home else None, password_hash=pw_hash, is_demo=True,
                    phone="13800138000" if not home else None)
        session.add(user)
        await session.flush()
        for role in roles:
            assert home is not None
            session.add(RoleGrant(user_id=user.id, role=role, org_unit_id=home.id))
    await session.flush()
    await audit.record(session, SYSTEM, "demo.load", "system", None, {"users": len(DEMO_USERS)})
    return units

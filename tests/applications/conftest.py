"""A small world for application tests: an agency, an owner and a co-approving department, staff, citizens,
and a service with parallel approval whose form has one field of most types."""

from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.auth.models import Role
from api.catalog import service as catalog
from api.catalog.schemas import ServiceCreate
from tests.factories import create_org_unit, create_user

FORM = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "string", "required": True, "order": 1},
    {"name": "phone", "label": "联系电话", "type": "phone", "required": True, "order": 2},
    {"name": "id_number", "label": "身份号码", "type": "resident_id", "required": False, "order": 3},
    {"name": "count", "label": "数量", "type": "number", "required": False, "order": 4, "min": 1, "max": 10},
    {"name": "kind", "label": "类型", "type": "single_choice", "required": True, "order": 5,
     "options": ["长期", "临时"]},
    {"name": "start_date", "label": "起始日期", "type": "date", "required": False, "order": 6},
    {"name": "docs", "label": "证明材料", "type": "file", "required": False, "order": 7, "max_files": 3},
]
GOOD = {"applicant_name": "张三", "phone": "13800138000", "kind": "长期"}
VALID_ID = "11010519491231002X"


async def create_service(session: AsyncSession, owner, approvals=(), code: str = "TEST", promised_days: int = 5):
    data = ServiceCreate(
        code=code, name="测试事项", owner_unit_id=owner.id, promised_days=promised_days, statutory_days=10,
        guide={"legal_basis": ["测试依据"], "materials": [{"name": "证明材料", "required": False}]},
        form=FORM, approval_unit_ids=[u.id for u in approvals])
    return await catalog.create_service(session, data, SYSTEM)


async def make_world(session: AsyncSession, parallel: bool = True) -> SimpleNamespace:
    root = await create_org_unit(session, name="测试局")
    owner = await create_org_unit(session, parent=root, name="车辆管理中心")
    other = await create_org_unit(session, parent=root, name="办公室")
    unrelated = await create_org_unit(session, parent=root, name="节能办")
    w = SimpleNamespace(root=root, owner=owner, other=other, unrelated=unrelated)
    w.handler = await create_user(session, owner, [Role.handler])
    w.handler_b = await create_user(session, owner, [Role.handler])
    w.other_handler = await create_user(session, other, [Role.handler])
    w.unrelated_handler = await create_user(session, unrelated, [Role.handler])
    w.leader = await create_user(session, root, [Role.leader])
    w.admin = await create_user(session, root, [Role.admin])
    w.citizen = await create_user(session)
    w.stranger = await create_user(session)
    w.service = await create_service(session, owner, [owner, other] if parallel else [])
    return w


@pytest.fixture
async def world(session: AsyncSession) -> SimpleNamespace:
    w = await make_world(session)
    await session.commit()  # ends the fixture's savepoint, so a failed request cannot roll the world back
    session.expunge_all()  # detached snapshots: a request's rollback must not expire the test's objects
    return w

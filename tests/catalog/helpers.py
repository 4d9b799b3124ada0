"""A service whose form has one field of most types, for catalogue tests and for the domains that make
applications under it (tests/applications re-exports these)."""

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.auth.models import OrgUnit
from api.catalog import service as catalog
from api.catalog.models import Service
from api.catalog.schemas import ServiceCreate

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


async def create_service(session: AsyncSession, owner: OrgUnit, approvals: tuple[OrgUnit, ...] | list[OrgUnit] = (),
                         code: str = "TEST", promised_days: int = 5) -> Service:
    data = ServiceCreate(
        code=code, name="测试事项", owner_unit_id=owner.id, promised_days=promised_days, statutory_days=10,
        guide={"legal_basis": ["测试依据"], "materials": [{"name": "证明材料", "required": False}]},
        form=FORM, approval_unit_ids=[u.id for u in approvals])
    return await catalog.create_service(session, data, SYSTEM)

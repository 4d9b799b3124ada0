import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgUnit, Role, User
from api.catalog.models import Service, ServiceVersion
from api.complaints.models import Complaint, Mailbox
from api.complaints.states import ComplaintKind, ComplaintStatus
from api.database import utcnow
from api.disclosures.models import Column, Disclosure
from api.disclosures.states import DisclosureStatus, Freshness
from tests.factories import auth, create_org_unit, create_user

_seq = itertools.count(1)

COMPLETE_GUIDE: dict[str, Any] = {
    "legal_basis": ["《机关事务管理条例》"], "eligibility": ["本机关在编在岗人员"],
    "materials": [{"name": "身份证", "required": True}], "steps": ["网上申请", "审核", "领取"],
    "fees": "不收费", "where": "机关服务中心一楼", "how": "网上办理", "hours": "工作日 9:00-17:00",
    "consult_phone": "010-12345678", "complaint_phone": "010-12345679",
}


@dataclass
class World:
    root: OrgUnit
    unit: OrgUnit
    admin: User
    now: datetime

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.admin)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    root = await create_org_unit(session, "机关事务管理局", code="JG")
    unit = await create_org_unit(session, "办公室", parent=root, code="BGS")
    admin = await create_user(session, root, [Role.admin])
    w = World(root, unit, admin, utcnow())
    w.headers  # noqa: B018 - compute the token while the user is loaded
    return w


async def column(session: AsyncSession, unit: OrgUnit, freshness: Freshness = Freshness.dynamic,
                 homepage: bool = False, parent: Column | None = None, name: str | None = None) -> Column:
    n = next(_seq)
    col = Column(name=name or f"栏目{n}", slug=f"col-{n}", owner_unit_id=unit.id, freshness=freshness,
                 is_homepage=homepage, parent_id=parent.id if parent else None)
    session.add(col)
    await session.flush()
    return col


async def item(session: AsyncSession, col: Column, age_days: float | None, body_html: str = "",
               version_id: int | None = None) -> Disclosure:
    """A published item `age_days` old (None: published without a date)."""
    at = utcnow() - timedelta(days=age_days) if age_days is not None else None
    d = Disclosure(column_id=col.id, publisher_id=col.owner_unit_id, title=f"信息{next(_seq)}",
                   status=DisclosureStatus.published, published_at=at, first_published_at=at, body_html=body_html,
                   published_version_id=version_id)
    session.add(d)
    await session.flush()
    return d


async def mailbox(session: AsyncSession, unit: OrgUnit) -> Mailbox:
    n = next(_seq)
    box = Mailbox(code=f"MB{n}", name="局长信箱", default_kind=ComplaintKind.letter, owner_unit_id=unit.id,
                  reply_days=15)
    session.add(box)
    await session.flush()
    return box


async def letter(session: AsyncSession, box: Mailbox, submitted_at: datetime, status: ComplaintStatus,
                 lead: OrgUnit | None = None) -> Complaint:
    n = next(_seq)
    c = Complaint(tracking_no=f"X{n:010d}", query_code_hash="x", mailbox_id=box.id, kind=ComplaintKind.letter,
                  subject=f"来信{n}", body="内容", status=status, submitted_at=submitted_at,
                  lead_unit_id=lead.id if lead else None)
    session.add(c)
    await session.flush()
    return c


async def service(session: AsyncSession, unit: OrgUnit, guide: dict[str, Any], name: str = "就餐卡办理",
                  active: bool = True) -> Service:
    n = next(_seq)
    s = Service(code=f"S{n}", name=name, owner_unit_id=unit.id, is_active=active)
    session.add(s)
    await session.flush()
    session.add(ServiceVersion(service_id=s.id, version=1, name=name, promised_days=5, statutory_days=10,
                               guide=guide, form=[], approval_unit_ids=[unit.id]))
    await session.flush()
    return s

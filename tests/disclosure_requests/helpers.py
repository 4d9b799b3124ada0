from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from api.auth.models import OrgKind, OrgUnit, Role, User
from api.disclosure_requests.models import DisclosureRequest
from tests.factories import auth, create_org_unit, create_user

BASE = "/api/v1/disclosure-requests"


@dataclass
class World:
    agency: OrgUnit
    office: OrgUnit  # 政务公开办公室: receives the requests
    other: OrgUnit  # another department
    handler: User
    leader: User
    other_handler: User
    citizen: User
    other_citizen: User


async def world(session) -> World:
    agency = await create_org_unit(session, "测试机关事务管理局")
    office = await create_org_unit(session, "政务公开办公室", agency)
    other = await create_org_unit(session, "车辆管理中心", agency, OrgKind.centre)
    w = World(
        agency=agency, office=office, other=other,
        handler=await create_user(session, office, [Role.handler], display_name="公开办经办"),
        leader=await create_user(session, agency, [Role.leader], display_name="局领导"),
        other_handler=await create_user(session, other, [Role.handler], display_name="车管经办"),
        citizen=await create_user(session, display_name="张三"),
        other_citizen=await create_user(session, display_name="李四"),
    )
    await session.commit()
    for obj in vars(w).values():
        session.expunge(obj)
    return w


def application(w: World, **kw) -> dict:
    return {"unit_id": w.office.id, "applicant_type": "natural_person", "applicant_name": "张三",
            "identity_no": "110101199001011234", "contact_phone": "13800138000",
            "info_name": "2026年公务用车购置预算", "info_description": "请公开本局2026年度公务用车购置预算及执行情况。",
            "delivery_form": "electronic", "delivery_route": "online", **kw}


async def apply(client, w: World, user: User | None = None, **kw) -> dict:
    r = await client.post(BASE, json=application(w, **kw), headers=auth(user or w.citizen))
    assert r.status_code == 201, r.text
    return r.json()


async def record(client, w: World, received: date, channel: str = "post", **kw) -> dict:
    r = await client.post(f"{BASE}/recorded", headers=auth(w.handler),
                          json=application(w, channel=channel, received_date=received.isoformat(), **kw))
    assert r.status_code == 201, r.text
    return r.json()


async def act(client, user: User, rid: int, action: str, body: dict | None = None):
    return await client.post(f"{BASE}/{rid}/{action}", json=body or {}, headers=auth(user))


async def get(client, user: User, rid: int) -> dict:
    r = await client.get(f"{BASE}/{rid}", headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()


async def set_columns(session, rid: int, **values) -> None:
    """Move a recorded deadline (e.g. into the past) as if the days had passed."""
    await session.execute(update(DisclosureRequest).where(DisclosureRequest.id == rid).values(**values))
    await session.commit()

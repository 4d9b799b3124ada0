from dataclasses import dataclass

from api.auth.models import OrgKind, OrgUnit, Role, User
from api.complaints.models import Mailbox
from api.complaints.states import ComplaintKind
from tests.captcha.solver import solved
from tests.factories import auth, create_org_unit, create_user


@dataclass
class World:
    agency: OrgUnit
    office: OrgUnit  # 办公室, owns the mailboxes
    cars: OrgUnit  # 车辆管理中心
    estate: OrgUnit  # 物业公司
    mailbox: Mailbox
    inquiry_box: Mailbox
    triager: User  # handler at the office
    leader: User  # leader of the agency
    car_handler: User
    estate_handler: User
    editor: User
    citizen: User
    other_citizen: User


async def create_mailbox(session, owner: OrgUnit, code: str = "director", name: str = "局长信箱",
                         kind: ComplaintKind = ComplaintKind.letter, reply_days: int = 10, **kw) -> Mailbox:
    box = Mailbox(code=code, name=name, default_kind=kind, owner_unit_id=owner.id, reply_days=reply_days, **kw)
    session.add(box)
    await session.flush()
    return box


async def world(session) -> World:
    """Committed (to the test's outer transaction) and detached: a refused request rolls the session back
    to its savepoint, which must neither undo the setup nor expire these objects."""
    agency = await create_org_unit(session, "测试机关事务管理局")
    office = await create_org_unit(session, "办公室", agency)
    cars = await create_org_unit(session, "车辆管理中心", agency, OrgKind.centre)
    estate = await create_org_unit(session, "物业公司", agency, OrgKind.enterprise)
    w = World(
        agency=agency, office=office, cars=cars, estate=estate,
        mailbox=await create_mailbox(session, office),
        inquiry_box=await create_mailbox(session, office, "inquiry", "咨询", ComplaintKind.inquiry, 5),
        triager=await create_user(session, office, [Role.handler], display_name="办公室经办"),
        leader=await create_user(session, agency, [Role.leader], display_name="局领导"),
        car_handler=await create_user(session, cars, [Role.handler], display_name="车管经办"),
        estate_handler=await create_user(session, estate, [Role.handler], display_name="物业经办"),
        editor=await create_user(session, office, [Role.editor], display_name="信息员"),
        citizen=await create_user(session, display_name="张三丰"),
        other_citizen=await create_user(session, display_name="李四"),
    )
    await session.commit()
    for obj in vars(w).values():
        session.expunge(obj)
    return w


def letter(w: World, **kw) -> dict:
    return {"mailbox_id": w.mailbox.id, "subject": "车库照明不足", "body": "地下车库照明灯坏了，请维修。", **kw}


async def submit_anonymous(client, w: World, **kw) -> dict:
    r = await client.post("/api/v1/complaints", json=letter(w, **kw) | await solved(client))
    assert r.status_code == 201, r.text
    return r.json()


async def submit_as(client, w: World, user: User, **kw) -> dict:
    r = await client.post("/api/v1/complaints", json=letter(w, **kw), headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


async def complaint_id(client, w: World, receipt: dict) -> int:
    r = await client.get("/api/v1/complaints", params={"q": receipt["tracking_no"]}, headers=auth(w.leader))
    return r.json()["items"][0]["id"]


async def act(client, user: User, cid: int, action: str, body: dict | None = None):
    return await client.post(f"/api/v1/complaints/{cid}/{action}", json=body or {}, headers=auth(user))


async def forwarded(client, w: World, units: list[OrgUnit] | None = None, **kw) -> int:
    """An anonymous letter, accepted and forwarded (to 车辆管理中心 by default)."""
    cid = await complaint_id(client, w, await submit_anonymous(client, w, **kw))
    assert (await act(client, w.triager, cid, "accept")).status_code == 200
    units = units or [w.cars]
    r = await act(client, w.triager, cid, "forward", {"unit_ids": [u.id for u in units], "lead_unit_id": units[0].id})
    assert r.status_code == 200, r.text
    return cid


async def replied(client, w: World, **kw) -> tuple[int, dict]:
    """A letter answered with the leader's approval; returns its id and the writer's receipt."""
    receipt = await submit_anonymous(client, w, **kw)
    cid = await complaint_id(client, w, receipt)
    await act(client, w.triager, cid, "accept")
    await act(client, w.triager, cid, "forward", {"unit_ids": [w.cars.id], "lead_unit_id": w.cars.id})
    assert (await act(client, w.car_handler, cid, "draft", {"body": "已安排维修，感谢来信。"})).status_code == 200
    r = await act(client, w.leader, cid, "review", {"decision": "approve"})
    assert r.status_code == 200, r.text
    return cid, receipt

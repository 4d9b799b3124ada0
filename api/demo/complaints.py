"""Demo mailboxes, all owned by 办公室, and a few letters in different states forwarded to 车辆管理中心."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgUnit, User
from api.auth.service import load_user, to_principal
from api.complaints import handling, publication, service, submission
from api.complaints.models import Mailbox
from api.complaints.schemas import ComplaintCreate, ForwardIn, PublicationDraft
from api.complaints.states import ComplaintKind
from api.database import utcnow

MAILBOXES = [
    ("director", "局长信箱", ComplaintKind.letter, 10, "直接写信给局长，反映问题、提出意见建议。"),
    ("complaint", "投诉", ComplaintKind.complaint, 10, "对机关服务、物业、车辆、餐饮等方面的投诉。"),
    ("inquiry", "咨询", ComplaintKind.inquiry, 5, "办事流程、政策规定等方面的咨询。"),
    ("suggestion", "建议", ComplaintKind.suggestion, 10, "对机关事务管理工作的意见和建议。"),
]


async def _principal(session: AsyncSession, username: str):  # type: ignore[no-untyped-def]
    user_id = (await session.execute(select(User.id).where(User.username == username))).scalar_one()
    user = await load_user(session, user_id)
    assert user is not None
    return to_principal(user)


async def load(session: AsyncSession, units: dict[str, OrgUnit]) -> None:
    boxes = {}
    for i, (code, name, kind, days, desc) in enumerate(MAILBOXES):
        box = Mailbox(code=code, name=name, default_kind=kind, reply_days=days, description=desc,
                      owner_unit_id=units["BGS"].id, sort_order=i)
        session.add(box)
        boxes[code] = box
    await session.flush()
    citizen = await _principal(session, "citizen")
    leader = await _principal(session, "leader")
    handler = await _principal(session, "handler")
    editor = await _principal(session, "editor")
    now = utcnow()
    clgl = units["CLGLZX"].id

    c1, _, _ = await submission.receive(session, citizen, ComplaintCreate(
        mailbox_id=boxes["inquiry"].id, subject="车辆出入证到期后如何续办？",
        body="我是张市民，电话13800138000。单位车辆出入证下月到期，请问续办需要哪些材料，能否网上办理？",
        consent_publish=True), "127.0.0.1", now - timedelta(days=9))
    await handling.accept(session, leader, c1, None)
    await handling.forward(session, leader, await service.load(session, c1.id),
                          ForwardIn(unit_ids=[clgl], lead_unit_id=clgl, note="请车辆管理中心答复"))
    c1 = await service.load(session, c1.id)
    await handling.draft_reply(session, handler, c1,
                              "您好！车辆出入证到期前 15 日内可在本网站“网上办事—车辆出入证办理”在线续办，"
                              "需上传行驶证和单位证明，审核通过后到车辆管理中心领取。感谢您的来信。")
    await handling.review(session, leader, await service.load(session, c1.id), "approve", None)
    c1 = await service.load(session, c1.id)
    preview = await publication.publication_preview(session, editor, c1)
    await publication.publish(session, editor, c1, PublicationDraft(**preview.model_dump()))

    c2, _, _ = await submission.receive(session, None, ComplaintCreate(
        mailbox_id=boxes["complaint"].id, subject="地下车库照明不足",
        body="机关大院地下车库 B2 层多处照明灯损坏，晚上取车很不安全，希望尽快维修。"), "127.0.0.1",
        now - timedelta(days=3))
    await handling.accept(session, leader, c2, None)
    await handling.forward(session, leader, await service.load(session, c2.id),
                          ForwardIn(unit_ids=[clgl, units["WYGS"].id], lead_unit_id=clgl))

    await submission.receive(session, None, ComplaintCreate(
        mailbox_id=boxes["director"].id, subject="建议增加新能源车充电桩",
        body="机关停车场目前只有 4 个充电桩，排队时间长，建议增加。", consent_publish=True), "127.0.0.1", now)

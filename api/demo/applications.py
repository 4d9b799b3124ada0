"""Demo applications from the demo citizen, in every state a handler meets, spread over the last weeks so the
queues, the 督办 list, the statistics charts and 好差评 have something to show. Every step goes through the
service layer (events, clocks, notifications, audit records as in real use); afterwards each case's
timestamps are moved back as if it had happened over the days given."""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service
from api.applications.models import Application, ApplicationEvent, Approval
from api.applications.schemas import ApplicationCreate, DecisionIn, SupplementIn, SupplementRequestIn
from api.auth.models import OrgUnit, User
from api.auth.principal import Principal
from api.auth.service import load_user, to_principal
from api.calendar import service as calendar
from api.calendar.models import ClockEvent, ClockStatus
from api.files import service as files
from api.notifications.models import Notification
from api.ratings import service as ratings
from api.ratings.schemas import RatingCreate

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PERSON = {"applicant_name": "张市民", "id_number": "11010519491231002X", "phone": "13800138000",
          "work_unit": "某市机关事务管理局"}


async def _principal(session: AsyncSession, username: str) -> Principal:
    user_id = (await session.execute(select(User.id).where(User.username == username))).scalar_one()
    user = await load_user(session, user_id)
    assert user is not None
    return to_principal(user)


async def _file(session: AsyncSession, p: Principal, name: str) -> list[int]:
    att = await files.store_bytes(session, PNG, name, service.UPLOAD_OWNER, p.id, p.id)
    return [att.id]


async def _shift(session: AsyncSession, app_id: int, days: int) -> None:
    """Move everything of one case `days` calendar days into the past (a running clock's deadline follows)."""
    delta = timedelta(days=days)
    app = await session.get(Application, app_id)
    assert app is not None
    app.submitted_at -= delta
    app.accepted_at = app.accepted_at - delta if app.accepted_at else None
    app.decided_at = app.decided_at - delta if app.decided_at else None
    for event in (await session.execute(select(ApplicationEvent).where(
            ApplicationEvent.application_id == app_id))).scalars():
        event.created_at -= delta
    for approval in (await session.execute(select(Approval).where(Approval.application_id == app_id))).scalars():
        approval.decided_at = approval.decided_at - delta if approval.decided_at else None
    for note in (await session.execute(select(Notification).where(
            Notification.object_type == "application", Notification.object_id == app_id))).scalars():
        note.created_at -= delta
    clock = await calendar.get_clock(session, service.APPLICATION.name, app_id)
    if clock is not None:
        clock.start_date = clock.start_date - delta
        clock.started_at -= delta
        clock.paused_at = clock.paused_at - delta if clock.paused_at else None
        clock.stopped_at = clock.stopped_at - delta if clock.stopped_at else None
        for ce in (await session.execute(select(ClockEvent).where(ClockEvent.clock_id == clock.id))).scalars():
            ce.at -= delta
        if clock.status == ClockStatus.running:
            total = clock.period_days + clock.extended_days + clock.paused_days
            clock.deadline_at = (await calendar.add_working_days(session, clock.start_date, total)).deadline_at
    await session.flush()


async def _submit(session: AsyncSession, citizen: Principal, code: str, data: dict[str, Any]) -> int:
    app, _ = await service.submit(session, citizen, ApplicationCreate(service_code=code, data=data))
    return app.id


async def load(session: AsyncSession, units: dict[str, OrgUnit]) -> None:
    citizen = await _principal(session, "citizen")
    handler = await _principal(session, "handler")    # 车辆管理中心
    handler2 = await _principal(session, "handler2")  # 办公室
    handler3 = await _principal(session, "handler3")  # 车辆管理中心
    today = date.today()
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1).isoformat()

    def vehicle(plate: str) -> dict[str, Any]:
        return {**PERSON, "plate_no": plate, "vehicle_type": "新能源车", "pass_type": "长期",
                "valid_from": first_of_next_month, "reason": "日常通勤"}

    async def gjyp() -> int:
        return await _submit(session, citizen, "GJYP", {**PERSON, "month": first_of_next_month, "route": "B1路"})

    async def rycrz(kind: str = "聘用人员") -> int:
        return await _submit(session, citizen, "RYCRZ", {**PERSON, "staff_kind": kind,
                                                         "photo": await _file(session, citizen, "证件照.png")})

    async def hwdj(title: str) -> int:
        start = datetime.combine(today + timedelta(days=7), datetime.min.time()).replace(hour=9).isoformat()
        return await _submit(session, citizen, "HWDJ", {
            "organizer": "某市机关事务管理局办公室", "contact": "张市民", "phone": "13800138000", "title": title,
            "start_at": start, "attendees": 40, "needs": ["投影", "茶水", "桌签"],
            "agenda": await _file(session, citizen, "会议议程.png")})

    approve = DecisionIn(decision="approve", note="材料齐全，准予办理")

    # Waiting to be accepted: a new 车辆出入证 (two departments) and a 公交月票.
    await _submit(session, citizen, "CLCRZ", {**vehicle("浙A·D12345"),
                                              "license_files": await _file(session, citizen, "行驶证.png")})
    await gjyp()

    # Accepted two days ago and claimed: running, not yet due.
    a = await gjyp()
    await service.accept(session, handler, a, "材料齐全，予以受理")
    await service.claim(session, handler, a)
    await _shift(session, a, 2)

    # Accepted twenty days ago on a 3-working-day promise (overdue even across the Spring Festival break):
    # on the leader's 督办 list.
    a = await rycrz()
    await service.accept(session, handler2, a, None)
    await _shift(session, a, 20)

    # 补正: accepted, then asked for a clearer photo; the clock is paused.
    a = await rycrz("外包服务人员")
    await service.accept(session, handler2, a, None)
    await service.request_supplement(session, handler2, a, SupplementRequestIn(
        items=["证件照不清晰，请重新上传近期免冠照片"], note="请于 5 个工作日内补正"))
    await _shift(session, a, 3)

    # 并联审批 half way: 车辆管理中心 approved, 办公室 still to decide.
    a = await _submit(session, citizen, "CLCRZ", {**vehicle("浙A·F67890"),
                                                  "license_files": await _file(session, citizen, "行驶证.png")})
    await service.accept(session, handler, a, None)
    await _shift(session, a, 2)
    await service.decide(session, handler, a, approve)

    # Supplied after a 补正 and completed, rated 5.
    a = await rycrz()
    await service.accept(session, handler2, a, None)
    await service.request_supplement(session, handler2, a, SupplementRequestIn(items=["单位证明"]))
    await service.supplement(session, citizen, a, SupplementIn(
        data={"unit_proof": await _file(session, citizen, "单位证明.png")}, note="已补充单位证明"))
    await _shift(session, a, 2)
    await service.decide(session, handler2, a, approve)
    await ratings.rate(session, citizen, a, RatingCreate(score=5, tags=["办事高效", "服务热情"],
                                                         comment="网上就办好了，不用跑腿。"))
    await _shift(session, a, 6)

    # Both departments approved: 办结, rated 4.
    a = await _submit(session, citizen, "CLCRZ", {**vehicle("浙A·K24680"),
                                                  "license_files": await _file(session, citizen, "行驶证.png")})
    await service.accept(session, handler3, a, None)
    await _shift(session, a, 3)
    await service.decide(session, handler3, a, approve)
    await service.decide(session, handler2, a, DecisionIn(decision="approve", note="同意"))
    await ratings.rate(session, citizen, a, RatingCreate(score=4, tags=["指南清晰"]))
    await _shift(session, a, 10)

    # 会务登记 completed late and rated 2: a rectification task for 办公室 with its 15-working-day clock.
    a = await hwdj("机关后勤保障工作推进会")
    await service.accept(session, handler2, a, None)
    await _shift(session, a, 5)
    await service.decide(session, handler2, a, DecisionIn(decision="approve", note="已安排三楼第二会议室"))
    await ratings.rate(session, citizen, a, RatingCreate(score=2, tags=["超时办理"],
                                                         comment="提前一周登记，临近开会才确认会议室。"))
    await _shift(session, a, 4)

    # Refused by one of the two departments (its reason becomes the case's).
    a = await _submit(session, citizen, "CLCRZ", {**vehicle("浙A·X13579"),
                                                  "license_files": await _file(session, citizen, "行驶证.png")})
    await service.accept(session, handler, a, None)
    await service.decide(session, handler, a, approve)
    await service.decide(session, handler2, a, DecisionIn(decision="refuse",
                                                          note="该车辆已办理长期出入证，不得重复办理"))
    await _shift(session, a, 8)

    # Not accepted, and withdrawn by the applicant.
    a = await hwdj("季度安全生产例会")
    await service.not_accept(session, handler2, a, "会议时间与全局大会冲突，请调整时间后重新登记")
    await _shift(session, a, 15)
    a = await gjyp()
    await service.withdraw(session, citizen, a, "已改为自行购买")
    await _shift(session, a, 20)

"""网站绩效考核 on a hand-counted fixture: November 2026 (no public holiday; weekends as usual), two departments."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.models import Application
from api.applications.states import ApplicationStatus
from api.auth.models import OrgUnit, Role, User
from api.catalog.models import ServiceVersion
from api.complaints.states import ComplaintStatus
from api.disclosures.models import Column, Disclosure, DisclosureVersion
from api.disclosures.states import DisclosureStatus, Freshness, VersionStatus
from api.performance import service as performance
from api.performance.states import Indicator
from api.ratings.models import Rating
from tests.compliance.conftest import COMPLETE_GUIDE, World, column, letter, mailbox, service
from tests.factories import auth, create_org_unit, create_user

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=SH)
NOV = (date(2026, 11, 1), date(2026, 11, 30))


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


async def _disclosure(session: AsyncSession, col: Column, written: date, published: datetime) -> Disclosure:
    d = Disclosure(column_id=col.id, publisher_id=col.owner_unit_id, title="信息", written_date=written,
                   status=DisclosureStatus.published, published_at=published, first_published_at=published)
    session.add(d)
    await session.flush()
    return d


async def _application(session: AsyncSession, svc_id: int, version_id: int, unit: OrgUnit, applicant: User,
                       on_time: bool, decided: datetime, n: int) -> Application:
    a = Application(tracking_no=f"T{n:08d}", service_id=svc_id, service_version_id=version_id,
                    applicant_id=applicant.id, owner_unit_id=unit.id, status=ApplicationStatus.completed, data={},
                    on_time=on_time, submitted_at=decided, decided_at=decided)
    session.add(a)
    await session.flush()
    return a


async def _fixture(session: AsyncSession, world: World) -> OrgUnit:
    unit, other = world.unit, await create_org_unit(session, "车辆管理中心", parent=world.root, code="CL")
    applicant = await create_user(session)
    col = await column(session, unit, Freshness.static)
    await column(session, unit, Freshness.static)  # empty: one open radar finding for 办公室
    # 信息发布及时率: written Mon 16th, published Wed 18th (2 working days) on time; written 1 Sep, late → 1/2.
    d = await _disclosure(session, col, date(2026, 11, 16), at(18))
    await _disclosure(session, col, date(2026, 9, 1), at(20))
    # 审核时效: submitted Mon 2nd, published Tue 10th = 3,4,5,6,9,10 = 6 working days → min(1, 3/6) = 0.5.
    session.add(DisclosureVersion(disclosure_id=d.id, version_no=1, status=VersionStatus.published,
                                  column_id=col.id, publisher_id=unit.id, title="信息", author_id=world.admin.id,
                                  submitted_at=at(2), published_at=at(10)))
    # 办件按时办结率: 2 of 3 decided in November on time (October's is outside the period) → 2/3.
    svc = await service(session, unit, COMPLETE_GUIDE)
    version_id = (await session.execute(select(ServiceVersion.id).where(ServiceVersion.service_id == svc.id))
                  ).scalar_one()
    apps = [await _application(session, svc.id, version_id, unit, applicant, ok, at(day), n)
            for n, (ok, day) in enumerate(((True, 5), (True, 12), (False, 19)))]
    await _application(session, svc.id, version_id, unit, applicant, False, at(20, month=10), 10)
    await _application(session, svc.id, version_id, other, applicant, True, at(6), 11)
    # 来信按时答复率: one on time, one late → 1/2.
    box = await mailbox(session, world.root)
    for ok in (True, False):
        c = await letter(session, box, at(3), ComplaintStatus.replied, lead=unit)
        c.reply_unit_id, c.replied_at, c.replied_on_time = unit.id, at(9), ok
    # 办事满意率: 5, 4, 4, 2 → 3/4; the upheld appeal's 1 is excluded.
    for i, (score, excluded) in enumerate(((5, False), (4, False), (4, False), (2, False), (1, True))):
        target = apps[i % 3] if i < 3 else await _application(session, svc.id, version_id, unit, applicant, True,
                                                              at(25, month=10), 20 + i)
        session.add(Rating(application_id=target.id, rater_id=applicant.id, owner_unit_id=unit.id,
                           service_id=svc.id, score=score, created_at=at(21), excluded=excluded))
    await session.flush()
    return other


class TestScore:
    async def test_hand_counted_departments(self, session: AsyncSession, world: World) -> None:
        other = await _fixture(session, world)
        rep = await performance.report(session, *NOV, now=NOW)
        assert [(r.unit_name, r.rank) for r in rep.rows] == [("车辆管理中心", 1), ("办公室", 2)]
        office = rep.rows[1]
        values = {v.indicator: v for v in office.indicators}
        assert (values[Indicator.publish_on_time].numerator, values[Indicator.publish_on_time].denominator) == (1, 2)
        assert values[Indicator.review_turnaround].value == 6 and values[Indicator.review_turnaround].score == 0.5
        assert (values[Indicator.applications_on_time].numerator,
                values[Indicator.applications_on_time].denominator) == (2, 3)
        assert values[Indicator.letters_on_time].score == 0.5
        assert (values[Indicator.satisfaction].numerator, values[Indicator.satisfaction].denominator) == (3, 4)
        assert values[Indicator.radar_open].value == 1 and values[Indicator.radar_open].score == 0.8
        # (20×0.5 + 10×0.5 + 25×2/3 + 20×0.5 + 15×0.75 + 10×0.8) ÷ 100 × 100 = 60.92
        assert office.score == pytest.approx(60.92, abs=0.01)
        # 车辆管理中心: applications 1/1 and no radar finding; nothing else counts → (25 + 10) ÷ 35 × 100.
        assert rep.rows[0].unit_id == other.id and rep.rows[0].score == 100
        assert "Σ(权重 × 指标得分)" in rep.formula

    async def test_weights_change_the_score(self, client: httpx.AsyncClient, session: AsyncSession,
                                            world: World) -> None:
        await _fixture(session, world)
        r = await client.put("/api/v1/performance/weights", headers=world.headers,
                             json={"weights": [{"indicator": "satisfaction", "weight": 0}]})
        assert r.status_code == 200, r.text
        rep = await performance.report(session, *NOV, now=NOW)
        # (10 + 5 + 16.667 + 10 + 8) ÷ 85 × 100
        assert rep.rows[1].score == pytest.approx(58.43, abs=0.01)


class TestHttp:
    async def test_leader_exports_xlsx(self, client: httpx.AsyncClient, session: AsyncSession, world: World) -> None:
        await _fixture(session, world)
        leader = await create_user(session, world.root, [Role.leader])
        r = await client.get("/api/v1/performance/export", params={"date_from": "2026-11-01", "date_to": "2026-11-30"},
                             headers=auth(leader))
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws is not None
        rows = list(ws.iter_rows(values_only=True))
        assert rows[1][:3] == ("排名", "部门", "总分")
        assert rows[2][:2] == (1, "车辆管理中心")

    async def test_only_admin_sets_weights(self, client: httpx.AsyncClient, session: AsyncSession,
                                           world: World) -> None:
        leader = await create_user(session, world.root, [Role.leader])
        body = {"weights": [{"indicator": "satisfaction", "weight": 30}]}
        assert (await client.put("/api/v1/performance/weights", json=body, headers=auth(leader))).status_code == 403
        r = await client.put("/api/v1/performance/weights", json=body, headers=world.headers)
        assert r.status_code == 200
        assert {w["indicator"]: w["weight"] for w in r.json()}["satisfaction"] == 30

    async def test_editor_gets_403(self, client: httpx.AsyncClient, session: AsyncSession, world: World) -> None:
        editor = await create_user(session, world.unit, [Role.editor])
        assert (await client.get("/api/v1/performance", headers=auth(editor))).status_code == 403

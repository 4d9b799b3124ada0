"""访问量: beacons counted in memory and written in batches, bots excluded, nothing about the visitor kept."""

import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.auth.models import Role
from api.config import get_settings
from api.database import utcnow
from api.disclosures.models import Disclosure
from api.disclosures.states import DisclosureStatus, Freshness
from api.visits import jobs as visit_jobs
from api.visits import service
from api.visits.models import PageView
from api.visits.states import VisitKind, is_bot
from tests.compliance.conftest import COMPLETE_GUIDE, World, column, item
from tests.compliance.conftest import service as create_service
from tests.factories import auth, create_org_unit, create_user

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0.49"}


async def _beacon(client: httpx.AsyncClient, kind: str, id_: int, headers: dict[str, str] = BROWSER) -> int:
    r = await client.post("/api/v1/visits", json={"kind": kind, "id": id_}, headers=headers)
    assert r.status_code == 200, r.text
    assert "set-cookie" not in r.headers
    return int(r.json()["views"])


async def _rows(session: AsyncSession) -> list[tuple[str, int, int | None, int]]:
    return [tuple(r) for r in (await session.execute(  # type: ignore[misc]
        select(PageView.kind, PageView.item_id, PageView.column_id, PageView.views)
        .order_by(PageView.kind, PageView.item_id))).all()]


class TestBeacon:
    async def test_views_are_counted_in_memory_and_written_in_one_batch(
            self, client: httpx.AsyncClient, session: AsyncSession, world: World) -> None:
        col = await column(session, world.unit)
        d = await item(session, col, 1)
        assert [await _beacon(client, "disclosure", d.id) for _ in range(3)] == [1, 2, 3]
        assert await _rows(session) == []  # nothing written on the request path
        written = await service.write_batch(session, service.counter.take())
        assert written == 3
        assert await _rows(session) == [("disclosure", d.id, col.id, 3)]
        assert (await session.execute(select(Disclosure.view_count).where(Disclosure.id == d.id))).scalar() == 3
        assert await _beacon(client, "disclosure", d.id) == 4
        await service.write_batch(session, service.counter.take())
        assert await _rows(session) == [("disclosure", d.id, col.id, 4)]  # the day's row adds up

    @pytest.mark.parametrize("agent", [
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Sogou web spider/4.0", "curl/8.5.0", "python-requests/2.32", "python-httpx/0.28",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36", "",
    ])
    async def test_bots_are_not_counted(self, client: httpx.AsyncClient, session: AsyncSession, world: World,
                                        agent: str) -> None:
        d = await item(session, await column(session, world.unit), 1)
        assert await _beacon(client, "disclosure", d.id, {"User-Agent": agent}) == 0
        assert service.counter.take() == {}

    def test_people_are_counted(self) -> None:
        assert not is_bot(BROWSER["User-Agent"])
        assert not is_bot("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36")

    async def test_reading_the_item_does_not_count(self, client: httpx.AsyncClient, session: AsyncSession,
                                                   world: World) -> None:
        d = await item(session, await column(session, world.unit), 1)
        r = await client.get(f"/api/v1/disclosures/{d.id}", headers=BROWSER)
        assert r.status_code == 200
        assert service.counter.take() == {}

    async def test_views_of_items_not_public_are_dropped(self, client: httpx.AsyncClient, session: AsyncSession,
                                                         world: World) -> None:
        col = await column(session, world.unit)
        draft = await item(session, col, 1)
        draft.status = DisclosureStatus.unpublished
        svc = await create_service(session, world.unit, COMPLETE_GUIDE)
        await session.flush()
        await _beacon(client, "disclosure", draft.id)
        await _beacon(client, "disclosure", 987654)
        await _beacon(client, "service", svc.id)
        await _beacon(client, "survey", 987654)
        assert await service.write_batch(session, service.counter.take()) == 1
        assert await _rows(session) == [("service", svc.id, None, 1)]

    async def test_unknown_kind_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/v1/visits", json={"kind": "user", "id": 1}, headers=BROWSER)
        assert r.status_code == 422


class TestStats:
    async def test_editor_sees_views_per_day_column_and_item(self, client: httpx.AsyncClient,
                                                             session: AsyncSession, world: World) -> None:
        news = await column(session, world.unit, Freshness.dynamic, name="工作动态")
        notices = await column(session, world.unit, Freshness.notice, name="通知公告")
        a, b = await item(session, news, 1), await item(session, notices, 1)
        now = utcnow()
        for at, target, n in ((now, a, 3), (now, b, 1), (now - timedelta(days=1), a, 2)):
            for _ in range(n):
                service.counter.add(VisitKind.disclosure, target.id, at)
        await service.write_batch(session, service.counter.take())
        editor = await create_user(session, world.unit, [Role.editor])
        r = await client.get("/api/v1/visits/stats", headers=auth(editor))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == 6 and len(body["days"]) == 30
        assert [d["views"] for d in body["days"][-2:]] == [2, 4]
        assert [(c["name"], c["views"]) for c in body["columns"]] == [("工作动态", 5), ("通知公告", 1)]
        assert [(i["id"], i["views"]) for i in body["top_items"]] == [(a.id, 5), (b.id, 1)]
        assert body["top_items"][0]["title"] == a.title
        assert body["kinds"] == [{"kind": "disclosure", "views": 6}]

    async def test_citizen_gets_403(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        citizen = await create_user(session)
        assert (await client.get("/api/v1/visits/stats", headers=auth(citizen))).status_code == 403


class TestWorkerFlush:
    async def test_flush_writes_the_batch_in_its_own_transaction(self, committing_client: httpx.AsyncClient,
                                                                 engine: AsyncEngine) -> None:
        async with AsyncSession(engine, expire_on_commit=False) as setup:
            root = await create_org_unit(setup, "机关事务管理局", code="FLUSHROOT")
            col = await column(setup, root)
            d = await item(setup, col, 1)
            await setup.commit()
        for expected in (1, 2):
            assert await _beacon(committing_client, "disclosure", d.id) == expected
        async with engine.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(PageView))).scalar() == 0
        await service.counter.flush()
        assert service.counter.take() == {}
        async with engine.connect() as conn:
            views = (await conn.execute(select(PageView.views).where(PageView.item_id == d.id))).scalar()
        assert views == 2
        assert await _beacon(committing_client, "disclosure", d.id) == 3


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture
async def shared_counts(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    """PORTAL_REDIS_URL set: the API processes count into one Redis hash (skipped when no Redis answers)."""
    r = aioredis.from_url(REDIS_URL)
    try:
        await r.ping()
    except RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    monkeypatch.setattr(get_settings(), "redis_url", REDIS_URL)
    await r.delete(service.PENDING, service.PENDING_ITEMS)
    yield r
    await r.delete(service.PENDING, service.PENDING_ITEMS)
    await r.aclose()


class TestSharedCounts:
    async def test_views_counted_in_redis_are_written_by_the_job_queues_task(
            self, committing_client: httpx.AsyncClient, engine: AsyncEngine, shared_counts: Any) -> None:
        from api import worker

        async with AsyncSession(engine, expire_on_commit=False) as setup:
            root = await create_org_unit(setup, "机关事务管理局", code="REDISROOT")
            d = await item(setup, await column(setup, root), 1)
            await setup.commit()
        for expected in (1, 2):
            assert await _beacon(committing_client, "disclosure", d.id) == expected
        assert service.counter.take() == {}  # nothing in this process's memory: another process may flush
        assert int(await shared_counts.hget(service.PENDING_ITEMS, f"disclosure|{d.id}")) == 2
        periodic = {task for task, _ in worker.make_app().periodic_registry.periodic_tasks}
        assert "portal:flush_visits" in periodic
        await visit_jobs.flush()  # what the flush_visits task runs
        async with engine.connect() as conn:
            views = (await conn.execute(select(PageView.views).where(PageView.item_id == d.id))).scalar()
        assert views == 2
        assert not await shared_counts.exists(service.PENDING, service.PENDING_ITEMS)
        assert await _beacon(committing_client, "disclosure", d.id) == 3
        await visit_jobs.flush()
        await visit_jobs.flush()  # nothing left: a second flush adds nothing
        async with engine.connect() as conn:
            views = (await conn.execute(select(PageView.views).where(PageView.item_id == d.id))).scalar()
        assert views == 3


class TestEveryPublicItemKind:
    async def test_guides_letters_surveys_and_consultations_are_counted_each_under_its_kind(
            self, client: httpx.AsyncClient, session: AsyncSession, world: World) -> None:
        from datetime import date

        from api.complaints.models import ComplaintPublication
        from api.complaints.states import ComplaintKind, ComplaintStatus
        from api.surveys.models import Consultation, Survey
        from api.surveys.states import Audience, ConsultationStatus, SurveyStatus
        from tests.compliance.conftest import letter, mailbox

        now = utcnow()
        svc = await create_service(session, world.unit, COMPLETE_GUIDE)
        survey = Survey(title="食堂满意度调查", description="请参与", audience=Audience.public,
                        status=SurveyStatus.published, opens_at=now,
                        closes_at=now + timedelta(days=5), owner_unit_id=world.unit.id, published_at=now)
        consultation = Consultation(title="管理办法（征求意见稿）", description="征求意见", draft_text="第一条",
                                    status=ConsultationStatus.open, min_days=30, owner_unit_id=world.unit.id,
                                    opens_at=now)
        session.add_all([survey, consultation])
        box = await mailbox(session, world.unit)
        publications = []
        for subject, withdrawn in (("停车位不足", None), ("已撤下的来信", now)):
            c = await letter(session, box, now - timedelta(days=10), ComplaintStatus.replied)
            publications.append(ComplaintPublication(
                complaint_id=c.id, mailbox_id=box.id, kind=ComplaintKind.letter, subject=subject, body="来信",
                reply="答复", submitted_date=date(2026, 11, 1), replied_date=date(2026, 11, 5), withdrawn_at=withdrawn))
        session.add_all(publications)
        await session.flush()
        shown, withdrawn_letter = publications

        for kind, target, n in (("service", svc.id, 3), ("survey", survey.id, 2), ("consultation", consultation.id, 1),
                                ("letter", shown.id, 4), ("letter", withdrawn_letter.id, 5)):
            assert [await _beacon(client, kind, target) for _ in range(n)][-1] == n
        assert await service.write_batch(session, service.counter.take()) == 10  # the withdrawn letter's 5 dropped
        assert await _beacon(client, "letter", shown.id) == 5  # stored and unwritten together

        editor = await create_user(session, world.unit, [Role.editor])
        body = (await client.get("/api/v1/visits/stats", headers=auth(editor))).json()
        assert {k["kind"]: k["views"] for k in body["kinds"]} == {"letter": 4, "service": 3, "survey": 2,
                                                                  "consultation": 1}
        assert ("letter", shown.id, "停车位不足", 4) in [(i["kind"], i["id"], i["title"], i["views"])
                                                     for i in body["top_items"]]

"""GET /site-search: one query over disclosures, guides, published letters, surveys and consultations, grouped
with counts, through the same tokenizer and the admin-managed synonyms (公车 → 公务用车, seeded by migration)."""

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.complaints.models import ComplaintPublication
from api.complaints.states import ComplaintKind, ComplaintStatus
from api.database import utcnow
from api.disclosures.models import Disclosure
from api.disclosures.states import DisclosureStatus
from api.search.tokenizer import index_text, query_groups
from api.sitesearch.service import matches
from api.surveys.models import Consultation, Survey
from api.surveys.states import Audience, ConsultationStatus, SurveyStatus
from tests.compliance.conftest import COMPLETE_GUIDE, World, column, letter, mailbox, service


async def _disclosure(session: AsyncSession, world: World, title: str, body: str) -> Disclosure:
    col = await column(session, world.unit)
    d = Disclosure(column_id=col.id, publisher_id=world.unit.id, title=title, summary=body[:50], body_html=body,
                   status=DisclosureStatus.published, published_at=utcnow(), search_text=index_text(title, body))
    session.add(d)
    await session.flush()
    return d


async def _publication(session: AsyncSession, world: World, subject: str, withdrawn: bool = False) -> None:
    box = await mailbox(session, world.unit)
    c = await letter(session, box, utcnow() - timedelta(days=10), ComplaintStatus.replied)
    session.add(ComplaintPublication(complaint_id=c.id, mailbox_id=box.id, kind=ComplaintKind.letter,
                                     subject=subject, body="请问单位的车辆如何管理？", reply="已按规定办理。",
                                     submitted_date=date(2026, 11, 1), replied_date=date(2026, 11, 5),
                                     withdrawn_at=utcnow() if withdrawn else None))
    await session.flush()


async def _survey(session: AsyncSession, world: World, title: str, audience: Audience = Audience.public,
                  status: SurveyStatus = SurveyStatus.published) -> None:
    now = utcnow()
    session.add(Survey(title=title, description="请您参与", audience=audience, status=status, opens_at=now,
                       closes_at=now + timedelta(days=10), owner_unit_id=world.unit.id, published_at=now))
    await session.flush()


async def _site(session: AsyncSession, world: World) -> None:
    await _disclosure(session, world, "关于规范公务用车管理的通知", "<p>各处室公务用车一律统一调度。</p>")
    await _disclosure(session, world, "机关食堂开放时间调整", "<p>晚餐延长。</p>")
    await service(session, world.unit, {**COMPLETE_GUIDE, "eligibility": ["因公务用车需要进出机关大院的车辆"]},
                  name="车辆出入证办理")
    await service(session, world.unit, COMPLETE_GUIDE, name="就餐卡办理")
    await _publication(session, world, "公务用车停放问题")
    await _publication(session, world, "公务用车噪音", withdrawn=True)
    await _survey(session, world, "公务用车服务满意度调查")
    await _survey(session, world, "公务用车内部调查", audience=Audience.staff)
    await _survey(session, world, "公务用车草稿调查", status=SurveyStatus.draft)
    session.add(Consultation(title="公务用车管理办法（征求意见稿）", description="征求意见", draft_text="第一条",
                             status=ConsultationStatus.open, min_days=30, owner_unit_id=world.unit.id,
                             opens_at=utcnow()))
    await session.flush()


class TestSiteSearch:
    async def test_groups_with_counts_through_the_synonym(self, client: httpx.AsyncClient, session: AsyncSession,
                                                          world: World) -> None:
        await _site(session, world)
        r = await client.get("/api/v1/site-search", params={"q": "公车"})
        assert r.status_code == 200, r.text
        body = r.json()
        counts = {g["kind"]: g["count"] for g in body["groups"]}
        assert counts == {"disclosure": 1, "service": 1, "letter": 1, "survey": 1, "consultation": 1}
        assert body["total"] == 5
        assert "公务用车" in body["highlight"].split()
        groups = {g["kind"]: g for g in body["groups"]}
        assert groups["disclosure"]["items"][0]["title"] == "关于规范<mark>公务用车</mark>管理的通知"
        assert groups["service"]["items"][0]["url"].startswith("/services/")
        assert groups["survey"]["items"][0]["url"].startswith("/interaction/surveys/")

    async def test_one_kind_with_a_limit(self, client: httpx.AsyncClient, session: AsyncSession,
                                         world: World) -> None:
        await _site(session, world)
        await _survey(session, world, "公务用车第二次调查")
        r = await client.get("/api/v1/site-search", params={"q": "公务用车 调查", "kind": "survey", "limit": 1})
        body = r.json()
        assert [g["kind"] for g in body["groups"]] == ["survey"]
        assert body["groups"][0]["count"] == 2 and len(body["groups"][0]["items"]) == 1

    async def test_no_match_gives_zero_counts(self, client: httpx.AsyncClient, session: AsyncSession,
                                              world: World) -> None:
        await _site(session, world)
        body = (await client.get("/api/v1/site-search", params={"q": "幼儿园"})).json()
        assert body["total"] == 0 and all(g["count"] == 0 and g["items"] == [] for g in body["groups"])

    async def test_punctuation_only_query_finds_nothing(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/api/v1/site-search", params={"q": "！？"})).json()
        assert body == {"q": "！？", "highlight": "", "total": 0, "groups": []}

    async def test_empty_query_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/v1/site-search", params={"q": ""})).status_code == 422


class TestMatching:
    def test_every_bigram_must_occur_not_the_substring(self) -> None:
        groups = query_groups("公务用车")
        assert matches(groups, "关于公务用车的通知")
        assert not matches(groups, "公务车辆用途")

    def test_a_synonym_is_an_alternative(self) -> None:
        groups = query_groups("公车 食堂", {"公车": ["公务用车"]})
        assert matches(groups, "公务用车与食堂")
        assert not matches(groups, "公务用车")

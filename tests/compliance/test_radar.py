"""Each 38号 check on fixtures that trip it and on fixtures that pass (the report from GET /compliance)."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.auth.models import Role
from api.complaints.states import ComplaintStatus
from api.compliance import jobs, links
from api.compliance import service as radar
from api.compliance.models import ComplianceSettings, ComplianceSnapshot
from api.compliance.service import missing_elements, months_before
from api.compliance.states import CheckCode
from api.database import utcnow
from api.disclosures.states import Freshness
from api.files import service as files
from tests.compliance.conftest import COMPLETE_GUIDE, World, column, item, letter, mailbox, service
from tests.factories import auth, create_org_unit, create_user

C = CheckCode


async def _report(client: httpx.AsyncClient, world: World) -> dict[str, dict[str, Any]]:
    r = await client.get("/api/v1/compliance", headers=world.headers)
    assert r.status_code == 200, r.text
    return {c["code"]: c for c in r.json()["checks"]}


class TestAccess:
    async def test_citizen_gets_403(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        citizen = await create_user(session)
        r = await client.get("/api/v1/compliance", headers=auth(citizen))
        assert r.status_code == 403

    async def test_handler_without_radar_role_gets_403(self, client: httpx.AsyncClient, session: AsyncSession,
                                                       world: World) -> None:
        handler = await create_user(session, world.unit, [Role.handler])
        r = await client.get("/api/v1/compliance", headers=auth(handler))
        assert r.status_code == 403


class TestCleanSite:
    async def test_a_kept_site_passes_every_check(self, client: httpx.AsyncClient, session: AsyncSession,
                                                  world: World) -> None:
        home = await column(session, world.unit, Freshness.dynamic, homepage=True)
        notice = await column(session, world.unit, Freshness.notice)
        target = await item(session, home, 13)
        svc = await service(session, world.unit, COMPLETE_GUIDE)
        await item(session, notice, 170, body_html=f'<p><a href="/disclosures/{target.id}">上文</a>'
                                                   f'<a href="/services/{svc.code}">办事</a><a href="#top">顶部</a>'
                                                   '<a href="mailto:a@b.cn">邮件</a></p>')
        box = await mailbox(session, world.unit)
        await letter(session, box, utcnow() - timedelta(days=200), ComplaintStatus.replied)
        await letter(session, box, utcnow() - timedelta(days=60), ComplaintStatus.accepted)
        await links.run(session)
        r = await client.get("/api/v1/compliance", headers=world.headers)
        body = r.json()
        assert body["failed_vetoes"] == 0
        assert {c["code"]: c["count"] for c in body["checks"]} == {c.value: 0 for c in CheckCode}
        assert body["links_checked_at"] is not None


class TestFreshness:
    async def test_home_page_older_than_two_weeks_fails(self, client: httpx.AsyncClient, session: AsyncSession,
                                                        world: World) -> None:
        home = await column(session, world.unit, Freshness.dynamic, homepage=True, name="要闻")
        await item(session, home, 15)
        check = (await _report(client, world))[C.homepage_stale]
        assert check["failed"] and check["count"] == 1
        f = check["findings"][0]
        assert f["unit_name"] == "办公室" and f["fix_url"] == f"/workspace/disclosures/new?column_id={home.id}"
        assert f["days"] == 15

    async def test_undated_items_do_not_count_as_updates(self, client: httpx.AsyncClient, session: AsyncSession,
                                                         world: World) -> None:
        home = await column(session, world.unit, Freshness.dynamic, homepage=True)
        await item(session, home, None)
        checks = await _report(client, world)
        assert checks[C.homepage_stale]["failed"]
        assert checks[C.item_undated]["failed"] and checks[C.item_undated]["count"] == 1

    async def test_columns_stale_by_their_class_fail_at_five(self, client: httpx.AsyncClient,
                                                             session: AsyncSession, world: World) -> None:
        for freshness, age in ((Freshness.dynamic, 15), (Freshness.notice, 190), (Freshness.personnel, 370),
                               (Freshness.dynamic, 10), (Freshness.notice, 170), (Freshness.personnel, 360),
                               (Freshness.static, 3000)):
            await item(session, await column(session, world.unit, freshness), age)
        check = (await _report(client, world))[C.column_stale]
        assert check["count"] == 3 and not check["failed"]
        assert sorted(f["days"] for f in check["findings"]) == [15, 190, 370]
        for _ in range(2):
            await item(session, await column(session, world.unit, Freshness.dynamic), 20)
        check = (await _report(client, world))[C.column_stale]
        assert check["count"] == 5 and check["failed"]


class TestEmptyColumns:
    async def test_five_empty_columns_fail_and_parents_do_not_count(self, client: httpx.AsyncClient,
                                                                     session: AsyncSession, world: World) -> None:
        parent = await column(session, world.unit, Freshness.static)
        await item(session, await column(session, world.unit, parent=parent), 1)
        for _ in range(4):
            await column(session, world.unit, Freshness.notice)
        check = (await _report(client, world))[C.column_empty]
        assert check["count"] == 4 and not check["failed"]
        await column(session, world.unit, Freshness.notice)
        check = (await _report(client, world))[C.column_empty]
        assert check["count"] == 5 and check["failed"]
        assert parent.id not in {int(f["fix_url"].rsplit("=", 1)[1]) for f in check["findings"]}


class TestUnansweredMessages:
    async def test_valid_message_older_than_three_months_fails(self, client: httpx.AsyncClient,
                                                               session: AsyncSession, world: World) -> None:
        box = await mailbox(session, world.root)
        old = months_before(utcnow(), 3) - timedelta(days=1)
        late = await letter(session, box, old, ComplaintStatus.forwarded, lead=world.unit)
        await letter(session, box, old, ComplaintStatus.not_accepted)  # not a valid message
        await letter(session, box, old, ComplaintStatus.completed)
        await letter(session, box, months_before(utcnow(), 3) + timedelta(days=1), ComplaintStatus.accepted)
        check = (await _report(client, world))[C.message_unanswered]
        assert check["failed"] and check["count"] == 1
        f = check["findings"][0]
        assert f["unit_name"] == "办公室" and f["fix_url"] == f"/workspace/complaints/{late.id}"

    def test_months_before_clamps_to_the_month_end(self) -> None:
        at = utcnow().replace(year=2026, month=5, day=31)
        assert months_before(at, 3).date().isoformat() == "2026-02-28"


class TestServiceGuides:
    async def test_guide_missing_elements_fails_and_names_them(self, client: httpx.AsyncClient,
                                                               session: AsyncSession, world: World) -> None:
        await service(session, world.unit, COMPLETE_GUIDE, name="会务登记")
        svc = await service(session, world.unit, {**COMPLETE_GUIDE, "fees": "", "hours": " ", "steps": []},
                            name="水电报修")
        await service(session, world.unit, {}, active=False)  # withdrawn services are not on the site
        check = (await _report(client, world))[C.guide_incomplete]
        assert check["failed"] and check["count"] == 1
        f = check["findings"][0]
        assert f["subject"] == "水电报修" and f["detail"] == "缺少：收费标准、办理时间、办理流程"
        assert f["fix_url"] == f"/services/{svc.code}"

    def test_all_ten_elements_are_checked(self) -> None:
        assert len(missing_elements("", {}, None)) == 10
        assert missing_elements("事项", COMPLETE_GUIDE, 1) == []


class _Recorder(BaseHTTPRequestHandler):
    hits = 0

    def do_HEAD(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args: object) -> None:
        pass


class TestLinks:
    async def test_broken_internal_links_and_missing_attachments(self, client: httpx.AsyncClient,
                                                                 session: AsyncSession, world: World) -> None:
        col = await column(session, world.unit)
        html = ('<a href="/disclosures/987654">旧文</a><a href="/no-such-page">错页</a>'
                '<a href="https://www.gov.cn/zhengce/">国务院</a><img src="/services/NOPE">')
        await item(session, col, 1, body_html=html, version_id=424242)
        ok = await files.store_bytes(session, b"%PDF-1.4\n%%EOF\n", "附件.pdf", "disclosure_version", 424242)
        gone = await files.store_bytes(session, b"%PDF-1.4\n%%EOF\n%\n", "缺失.pdf", "disclosure_version", 424242)
        files.blob_path(gone.sha256).unlink()
        result = await links.run(session)
        assert (result.checked, result.broken, result.unchecked) == (6, 4, 1)
        checks = await _report(client, world)
        broken = checks[C.broken_link]
        assert broken["failed"] and {f["subject"] for f in broken["findings"]} == {
            "/disclosures/987654", "/no-such-page", "/services/NOPE", "缺失.pdf"}
        assert all(f["fix_url"] == "/workspace/disclosures/versions/424242" for f in broken["findings"])
        external = checks[C.external_link]
        assert external["count"] == 1 and not external["failed"]
        assert external["findings"][0]["subject"] == "https://www.gov.cn/zhengce/"
        assert ok.filename not in {f["subject"] for f in broken["findings"]}

    async def test_outbound_checks_never_contact_the_inside_network(self, client: httpx.AsyncClient,
                                                                    session: AsyncSession, world: World) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/page"
            await item(session, await column(session, world.unit), 1, body_html=f'<a href="{url}">x</a>')
            r = await client.put("/api/v1/compliance/settings", headers=world.headers,
                                 json={"outbound_checks": True, "own_hosts": ["WWW.Example.gov.cn"]})
            assert r.status_code == 200 and r.json()["own_hosts"] == ["www.example.gov.cn"]
            r = await client.post("/api/v1/compliance/link-check", headers=world.headers)
            assert r.status_code == 200 and r.json() == {"checked": 1, "broken": 0, "unchecked": 1}
            assert _Recorder.hits == 0
            finding = (await _report(client, world))[C.external_link]["findings"][0]
            assert "内网或本机地址" in finding["detail"]
        finally:
            server.shutdown()

    async def test_links_to_own_host_are_resolved_not_fetched(self, session: AsyncSession, world: World) -> None:
        session.add(ComplianceSettings(id=1, outbound_checks=True, own_hosts=["www.example.gov.cn"]))
        col = await column(session, world.unit)
        target = await item(session, col, 1)
        await item(session, col, 1, body_html=f'<a href="https://www.example.gov.cn/disclosures/{target.id}">a</a>'
                                              '<a href="https://www.example.gov.cn/disclosures/1234567">b</a>')
        result = await links.run(session)
        assert (result.checked, result.broken, result.unchecked) == (2, 1, 0)

    def test_extract_links_skips_anchors_and_mail(self) -> None:
        html = '<a href="#x">a</a><a href="mailto:x@y.cn">b</a><a href="/a">c</a><a href="/a">d</a><img src="/i.png">'
        assert links.extract_links(html) == ["/a", "/i.png"]

    async def test_only_an_admin_turns_outbound_checks_on(self, client: httpx.AsyncClient, session: AsyncSession,
                                                          world: World) -> None:
        editor = await create_user(session, world.unit, [Role.editor])
        r = await client.put("/api/v1/compliance/settings", headers=auth(editor),
                             json={"outbound_checks": True, "own_hosts": []})
        assert r.status_code == 403
        assert (await client.get("/api/v1/compliance", headers=auth(editor))).status_code == 200


class TestSnapshots:
    async def test_daily_snapshot_replaces_the_day_and_feeds_the_trend(self, client: httpx.AsyncClient,
                                                                       session: AsyncSession, world: World) -> None:
        for _ in range(5):
            await column(session, world.unit)
        await radar.take_snapshot(session)
        await radar.take_snapshot(session)
        yesterday = utcnow() - timedelta(days=1)
        await radar.take_snapshot(session, yesterday)
        count = (await session.execute(select(func.count()).select_from(ComplianceSnapshot))).scalar()
        assert count == 2 * len(CheckCode)
        r = await client.get("/api/v1/compliance/trend?days=7", headers=world.headers)
        assert r.status_code == 200
        empty = [p for p in r.json() if p["check"] == C.column_empty]
        assert [(p["findings"], p["failed"]) for p in empty] == [(5, True), (5, True)]
        assert empty[0]["day"] < empty[1]["day"]


class TestDailyJob:
    async def test_runs_once_a_day_in_its_own_transaction(self, committing_client: httpx.AsyncClient,
                                                          engine: AsyncEngine) -> None:
        async with AsyncSession(engine, expire_on_commit=False) as setup:
            root = await create_org_unit(setup, "机关事务管理局", code="DAILYROOT")
            await item(setup, await column(setup, root), 1, body_html='<a href="/no-such-page">x</a>')
            await setup.commit()
        assert await jobs.run_once() is True
        assert await jobs.run_once() is False  # today's snapshot exists
        async with engine.connect() as conn:
            snapshots = (await conn.execute(select(func.count()).select_from(ComplianceSnapshot))).scalar()
            broken = (await conn.execute(select(ComplianceSnapshot.findings).where(
                ComplianceSnapshot.check == CheckCode.broken_link))).scalar()
        assert snapshots == len(CheckCode) and broken == 1

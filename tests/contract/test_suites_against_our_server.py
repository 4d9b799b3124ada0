"""CI runs both contract suites against our own server (the app in process, on the test database)."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.partners import service as partners
from api.partners.schemas import ApiClientCreate
from tests.catalog.helpers import create_service
from tests.complaints.helpers import create_mailbox
from tests.contract import feed_mirror, georeport
from tests.contract.report import Report
from tests.disclosures.conftest import Team, create_column, publish
from tests.factories import create_org_unit


@pytest.fixture(autouse=True)
def no_cached_clients() -> None:
    partners.forget_cached_clients()


def _assert_ok(report: Report) -> None:
    print(report.text())
    assert report.ok, "\n".join(f"{c.name}: {c.detail}" for c in report.failures())


async def test_georeport_suite_passes_against_our_server(client: httpx.AsyncClient, session: AsyncSession):
    unit = await create_org_unit(session, "市数据局")
    await create_service(session, unit, code="T311")
    await create_mailbox(session, unit, code="mayor", name="市长信箱")
    _, secret = await partners.create_client(session, ApiClientCreate(
        name="契约测试", owner_contact="CI", scopes=["open311"]), SYSTEM)  # type: ignore[list-item]
    await session.commit()
    report = await georeport.run(client, api_key=secret, service_code="T311",
                                 attributes={"phone": "13800138000"})
    _assert_ok(report)
    assert len(report.checks) > 60


async def test_georeport_suite_reports_a_broken_server():
    """The suite can fail: a server that answers JSON without timezones and XML that disagrees is caught."""
    async def broken(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(".json"):
            return httpx.Response(200, json=[{"service_request_id": "1", "status": "open",
                                              "requested_datetime": "2026-12-01T10:00:00"}])
        return httpx.Response(200, content=b"<service_requests/>", headers={"content-type": "text/xml"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(broken), base_url="http://broken") as http:
        report = await georeport.run(http)
    names = {c.name for c in report.failures()}
    assert "requests (default window): every date has a timezone" in names
    assert "requests (default window): XML and JSON say the same" in names
    assert "a window wider than 90 days: JSON answers 400" in names


async def _revise(client: httpx.AsyncClient, team: Team, disclosure_id: int, **changes) -> None:
    r = await client.post(f"/api/v1/disclosures/{disclosure_id}/versions", headers=team.h(team.editor))
    assert r.status_code in (200, 201), r.text
    vid = r.json()["id"]
    r = await client.patch(f"/api/v1/disclosure-versions/{vid}", json=changes, headers=team.h(team.editor))
    assert r.status_code == 200, r.text
    for user, action, body in ((team.editor, "submit", {}), (team.reviewer, "approve", {}),
                               (team.secrecy, "publish", {"confirm_personal_data": True})):
        r = await client.post(f"/api/v1/disclosure-versions/{vid}/{action}", json=body, headers=team.h(user))
        assert r.status_code == 200, r.text


async def test_feed_mirror_suite_follows_publishes_edits_moves_and_retractions(client, session, team: Team):
    report = Report("feed mirror")
    mirror = feed_mirror.Mirror(client)
    items = [await publish(client, team, title=f"关于第{i}批政务数据开放的通知") for i in range(3)]
    ids = [v["disclosure_id"] for v in items]
    await feed_mirror.compare(mirror, report, "after three publishes")
    await _revise(client, team, ids[0], title="关于第0批政务数据开放的通知（修订）")
    await feed_mirror.compare(mirror, report, "after an edit")
    other = await create_column(session, team.unit, "政策解读", slug="policy-notes")
    await session.commit()
    await _revise(client, team, ids[1], column_id=other.id)
    await feed_mirror.compare(mirror, report, "after a column move")
    r = await client.post(f"/api/v1/disclosures/{ids[2]}/retract", json={"reason": "内容已过时，予以撤回"},
                          headers=team.h(team.secrecy))
    assert r.status_code == 200, r.text
    await feed_mirror.compare(mirror, report, "after a retraction")
    _assert_ok(report)
    assert set(mirror.items) == {ids[0], ids[1]}
    assert mirror.items[ids[0]]["title"].endswith("（修订）")
    assert mirror.items[ids[1]]["column_id"] == other.id

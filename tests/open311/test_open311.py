"""The Open311 GeoReport v2 façade: every endpoint in both formats, its errors, the 90-day rule, filing."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.complaints.models import Complaint
from api.partners import service as partners
from api.partners.schemas import ApiClientCreate
from tests.catalog.helpers import create_service
from tests.complaints.helpers import create_mailbox
from tests.factories import create_org_unit

BASE = "/open311/v2"
FMTS = ["xml", "json"]


@pytest.fixture(autouse=True)
def no_cached_clients() -> None:
    partners.forget_cached_clients()


async def _world(session: AsyncSession, scopes: tuple[str, ...] = ("open311",)) -> str:
    unit = await create_org_unit(session, "市数据局")
    await create_service(session, unit, code="T311")
    await create_mailbox(session, unit, code="mayor", name="市长信箱")
    _, secret = await partners.create_client(session, ApiClientCreate(
        name="城市服务App", owner_contact="李工", scopes=list(scopes)), SYSTEM)  # type: ignore[arg-type]
    await session.commit()
    return secret


def _parse(fmt: str, r):
    if fmt == "json":
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        return r.json()
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    return ET.fromstring(r.content)  # noqa: S314 - our own server's answer


GOOD = {"service_code": "T311", "lat": "30.27", "long": "120.15", "attribute[applicant_name]": "张三",
        "attribute[phone]": "13800138000", "attribute[kind]": "长期", "first_name": "三", "last_name": "张",
        "email": "zhang@example.com", "phone": "13800138000", "description": "申请临时占道"}


async def _file(client, secret: str, fmt: str = "json", **extra: str):
    return await client.post(f"{BASE}/requests.{fmt}", data={"api_key": secret, **GOOD, **extra})


@pytest.mark.parametrize("fmt", FMTS)
class TestDiscoveryAndServices:
    async def test_discovery(self, client, fmt):
        r = await client.get(f"{BASE}/discovery.{fmt}")
        assert r.status_code == 200
        doc = _parse(fmt, r)
        if fmt == "json":
            assert doc["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
            assert doc["endpoints"][0]["formats"] == ["text/xml", "application/json"]
        else:
            assert doc.tag == "discovery"
            assert [f.text for f in doc.findall("endpoints/endpoint/formats/format")] == ["text/xml",
                                                                                       "application/json"]

    async def test_services_list_online_services_and_mailboxes(self, client, session, fmt):
        await _world(session)
        doc = _parse(fmt, await client.get(f"{BASE}/services.{fmt}"))
        codes = ([s["service_code"] for s in doc] if fmt == "json"
                 else [s.findtext("service_code") for s in doc.findall("service")])
        assert "T311" in codes and "mailbox-mayor" in codes
        if fmt == "xml":
            assert doc.find("service/metadata").text == "true"

    async def test_service_definition_from_the_form(self, client, session, fmt):
        await _world(session)
        r = await client.get(f"{BASE}/services/T311.{fmt}")
        assert r.status_code == 200
        doc = _parse(fmt, r)
        if fmt == "json":
            attrs = {a["code"]: a for a in doc["attributes"]}
        else:
            attrs = {a.findtext("code"): {"datatype": a.findtext("datatype"), "required": a.findtext("required"),
                                          "values": [v.findtext("key") for v in a.findall("values/value")]}
                     for a in doc.findall("attributes/attribute")}
        assert attrs["kind"]["datatype"] == "singlevaluelist"
        assert attrs["count"]["datatype"] == "number"
        assert attrs["start_date"]["datatype"] == "datetime"
        assert "docs" not in attrs  # file fields cannot travel over Open311
        if fmt == "json":
            assert [v["key"] for v in attrs["kind"]["values"]] == ["长期", "临时"]
            assert attrs["applicant_name"]["required"] is True
            assert [a["order"] for a in doc["attributes"]] == list(range(1, len(doc["attributes"]) + 1))
        else:
            assert attrs["kind"]["values"] == ["长期", "临时"]
            assert attrs["applicant_name"]["required"] == "true"

    async def test_unknown_service_is_404_error_array(self, client, session, fmt):
        await _world(session)
        r = await client.get(f"{BASE}/services/NOPE.{fmt}")
        assert r.status_code == 404
        doc = _parse(fmt, r)
        if fmt == "json":
            assert doc[0]["code"] == 404 and doc[0]["description"]
        else:
            assert doc.tag == "errors" and doc.findtext("error/code") == "404"


@pytest.mark.parametrize("fmt", FMTS)
class TestPost:
    async def test_post_creates_an_application_and_the_token_resolves(self, client, session, fmt):
        secret = await _world(session)
        r = await _file(client, secret, fmt)
        assert r.status_code == 200, r.text
        doc = _parse(fmt, r)
        token = doc[0]["token"] if fmt == "json" else doc.findtext("request/token")
        if fmt == "json":
            assert "service_request_id" not in doc[0]  # a token or an id, never both
        r = await client.get(f"{BASE}/tokens/{token}.{fmt}")
        assert r.status_code == 200
        doc = _parse(fmt, r)
        srid = doc[0]["service_request_id"] if fmt == "json" else doc.findtext("request/service_request_id")
        r = await client.get(f"{BASE}/requests/{srid}.{fmt}")
        assert r.status_code == 200
        doc = _parse(fmt, r)
        req = doc[0] if fmt == "json" else {e.tag: e.text for e in doc.find("request")}
        assert req["status"] == "open"
        assert req["status_notes"] == "已提交"
        assert req["service_code"] == "T311"
        assert req["requested_datetime"].endswith("+08:00")
        for personal in ("张三", "13800138000", "zhang@example.com", "申请临时占道"):
            assert personal not in r.text

    async def test_post_to_a_mailbox_files_a_letter(self, client, session, fmt):
        secret = await _world(session)
        r = await client.post(f"{BASE}/requests.{fmt}", data={
            "api_key": secret, "service_code": "mailbox-mayor", "address_string": "解放路 1 号",
            "description": "路灯不亮", "attribute[subject]": "路灯"})
        assert r.status_code == 200, r.text
        found = _parse("json", await client.get(f"{BASE}/requests.json?service_code=mailbox-mayor"))
        assert len(found) == 1
        assert found[0]["service_request_id"].startswith("XF")
        assert "路灯" not in str(found) and "解放路" not in str(found)
        letter = (await session.execute(select(Complaint).where(
            Complaint.tracking_no == found[0]["service_request_id"]))).scalar_one()
        assert letter.channel == "open311" and letter.api_client_id is not None and letter.relayed_by

    async def test_bad_key_is_403(self, client, session, fmt):
        await _world(session)
        r = await _file(client, "zwc_nope.nothing", fmt)
        assert r.status_code == 403
        doc = _parse(fmt, r)
        assert (doc[0]["code"] if fmt == "json" else int(doc.findtext("error/code"))) == 403

    async def test_key_without_open311_scope_is_403(self, client, session, fmt):
        secret = await _world(session, scopes=("disclosures:read",))
        assert (await _file(client, secret, fmt)).status_code == 403

    async def test_unknown_service_code_is_404(self, client, session, fmt):
        secret = await _world(session)
        assert (await _file(client, secret, fmt, service_code="NOPE")).status_code == 404

    async def test_breaking_the_form_is_400_with_an_error_per_field(self, client, session, fmt):
        secret = await _world(session)
        r = await _file(client, secret, fmt, **{"attribute[kind]": "永久", "attribute[count]": "99"})
        assert r.status_code == 400
        doc = _parse(fmt, r)
        descriptions = ([e["description"] for e in doc] if fmt == "json"
                        else [e.findtext("description") for e in doc.findall("error")])
        assert any(d.startswith("attribute[kind]") for d in descriptions)
        assert any(d.startswith("attribute[count]") for d in descriptions)

    async def test_missing_location_is_400(self, client, session, fmt):
        secret = await _world(session)
        r = await client.post(f"{BASE}/requests.{fmt}", data={
            "api_key": secret, "service_code": "T311", "attribute[applicant_name]": "张三",
            "attribute[phone]": "13800138000", "attribute[kind]": "长期"})
        assert r.status_code == 400

    async def test_html_description_is_400(self, client, session, fmt):
        secret = await _world(session)
        assert (await _file(client, secret, fmt, description="<b>急</b>")).status_code == 400


class TestGetRequests:
    async def test_default_window_is_the_last_90_days(self, client, session):
        secret = await _world(session)
        await _file(client, secret)
        assert len((await client.get(f"{BASE}/requests.json")).json()) == 1
        old = (datetime.now(UTC) - timedelta(days=200)).isoformat()
        older = (datetime.now(UTC) - timedelta(days=150)).isoformat()
        r = await client.get(f"{BASE}/requests.json", params={"start_date": old, "end_date": older})
        assert r.status_code == 200 and r.json() == []

    @pytest.mark.parametrize("fmt", FMTS)
    async def test_window_over_90_days_is_400(self, client, fmt):
        r = await client.get(f"{BASE}/requests.{fmt}", params={"start_date": "2026-01-01T00:00:00+08:00",
                                                              "end_date": "2026-06-01T00:00:00+08:00"})
        assert r.status_code == 400
        _parse(fmt, r)

    async def test_date_without_timezone_is_400(self, client):
        r = await client.get(f"{BASE}/requests.json", params={"start_date": "2026-11-01T00:00:00"})
        assert r.status_code == 400

    async def test_service_request_id_overrides_other_filters(self, client, session):
        secret = await _world(session)
        await _file(client, secret)
        srid = (await client.get(f"{BASE}/requests.json")).json()[0]["service_request_id"]
        r = await client.get(f"{BASE}/requests.json", params={
            "service_request_id": srid, "service_code": "OTHER", "status": "closed",
            "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-01-02T00:00:00Z"})
        assert [x["service_request_id"] for x in r.json()] == [srid]

    async def test_status_filter(self, client, session):
        secret = await _world(session)
        await _file(client, secret)
        assert len((await client.get(f"{BASE}/requests.json?status=open")).json()) == 1
        assert (await client.get(f"{BASE}/requests.json?status=closed")).json() == []
        assert (await client.get(f"{BASE}/requests.json?status=bogus")).status_code == 400

    async def test_empty_argument_is_an_absent_one(self, client, session):
        secret = await _world(session)
        await _file(client, secret)
        r = await client.get(f"{BASE}/requests.json?service_code=&status=&start_date=")
        assert len(r.json()) == 1

    async def test_unknown_request_and_token_are_404(self, client):
        assert (await client.get(f"{BASE}/requests/NOPE.xml")).status_code == 404
        assert (await client.get(f"{BASE}/tokens/NOPE.json")).status_code == 404

    async def test_unknown_jurisdiction_is_404(self, client):
        r = await client.get(f"{BASE}/services.xml?jurisdiction_id=other.gov.cn")
        assert r.status_code == 404

    async def test_unknown_format_is_404(self, client):
        assert (await client.get(f"{BASE}/services.html")).status_code == 404

"""The requests:write scope: a registered client (the city's 12345 hotline) files letters through the native
POST /api/v1/complaints on a citizen's behalf — no captcha, its own limits, the channel and the client recorded,
Idempotency-Key honoured per client — and a token without the scope is refused naming it."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role
from api.complaints.models import Complaint
from api.idempotency.models import IdempotencyKey
from api.partners import service
from tests.complaints.helpers import World, letter, world
from tests.factories import auth, create_org_unit, create_user

URL = "/api/v1/complaints"


@pytest.fixture(autouse=True)
def no_cached_clients() -> None:
    service.forget_cached_clients()


async def hotline_token(client: httpx.AsyncClient, session: AsyncSession, scopes: list[str],
                        name: str = "市12345政务服务便民热线") -> str:
    admin = auth(await create_user(session, await create_org_unit(session), roles=[Role.admin]))
    r = await client.post("/api/v1/admin/api-clients", headers=admin, json={
        "name": name, "owner_contact": "热线办 0571-12345", "scopes": scopes})
    assert r.status_code == 201, r.text
    creds = r.json()
    r = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                      "client_id": creds["client_id"],
                                                      "client_secret": creds["client_secret"]})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def on_behalf(w: World, **kw: object) -> dict:
    fields = {"writer_name": "王五", "writer_phone": "13800138000", "subject": "小区门口路灯不亮",
              "body": "来电反映：小区门口路灯已坏一周，夜间出行不便。", **kw}
    return letter(w, **fields)


class TestRelayedLetters:
    async def test_a_hotline_files_a_letter_for_a_citizen_without_captcha(self, client, session):
        w = await world(session)
        token = await hotline_token(client, session, ["requests:write"])
        r = await client.post(URL, json=on_behalf(w), headers=bearer(token))
        assert r.status_code == 201, r.text
        receipt = r.json()
        assert receipt["tracking_no"].startswith("XF") and len(receipt["query_code"]) == 8
        assert r.headers["ratelimit-policy"].startswith('"minute";q=120;w=60')  # the client's limits apply
        c = (await session.execute(select(Complaint).where(Complaint.tracking_no == receipt["tracking_no"]))
             ).scalar_one()
        assert (c.channel, c.relayed_by, c.writer_id, c.writer_name) == ("partner", "市12345政务服务便民热线",
                                                                         None, "王五")
        assert c.api_client_id is not None and c.ip_hash is None

    async def test_staff_see_the_channel_and_the_client(self, client, session):
        w = await world(session)
        token = await hotline_token(client, session, ["requests:write"])
        tracking_no = (await client.post(URL, json=on_behalf(w), headers=bearer(token))).json()["tracking_no"]
        found = await client.get(URL, params={"q": tracking_no}, headers=auth(w.leader))
        detail = await client.get(f"{URL}/{found.json()['items'][0]['id']}", headers=auth(w.leader))
        assert detail.status_code == 200, detail.text
        body = detail.json()
        assert (body["channel"], body["relayed_by"]) == ("partner", "市12345政务服务便民热线")
        assert "市12345政务服务便民热线代来信人提交至局长信箱" in [e["note"] for e in body["events"]]

    async def test_the_letter_runs_the_normal_workflow(self, client, session):
        w = await world(session)
        token = await hotline_token(client, session, ["requests:write"])
        tracking_no = (await client.post(URL, json=on_behalf(w), headers=bearer(token))).json()["tracking_no"]
        found = (await client.get(URL, params={"q": tracking_no}, headers=auth(w.triager))).json()["items"][0]
        r = await client.post(f"{URL}/{found['id']}/accept", json={}, headers=auth(w.triager))
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "accepted"

    async def test_a_retry_with_the_same_key_replays_the_receipt(self, client, session):
        w = await world(session)
        token = await hotline_token(client, session, ["requests:write"])
        headers = bearer(token, **{"Idempotency-Key": "12345-call-20261203-0001"})
        first = await client.post(URL, json=on_behalf(w), headers=headers)
        second = await client.post(URL, json=on_behalf(w), headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["Idempotent-Replayed"] == "true"
        assert len((await session.execute(select(Complaint.id))).all()) == 1
        [key] = (await session.execute(select(IdempotencyKey))).scalars()
        assert key.owner.startswith("client:") and key.user_id is None
        r = await client.post(URL, json=on_behalf(w, body="另一通来电"), headers=headers)
        assert r.status_code == 422
        assert r.json()["errors"][0]["type"] == "idempotency_key_reused"

    async def test_two_clients_keys_do_not_collide(self, client, session):
        w = await world(session)
        hotline = await hotline_token(client, session, ["requests:write"])
        province = await hotline_token(client, session, ["requests:write"], name="省政务服务网")
        key = {"Idempotency-Key": "call-0001"}
        a = await client.post(URL, json=on_behalf(w), headers=bearer(hotline, **key))
        b = await client.post(URL, json=on_behalf(w), headers=bearer(province, **key))
        assert a.status_code == b.status_code == 201
        assert a.json()["tracking_no"] != b.json()["tracking_no"]


class TestScope:
    async def test_a_token_without_requests_write_is_refused_naming_the_scope(self, client, session):
        w = await world(session)
        token = await hotline_token(client, session, ["disclosures:read", "open311"])
        r = await client.post(URL, json=on_behalf(w), headers=bearer(token))
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "insufficient_scope"
        assert r.json()["scope"] == "requests:write"
        assert "requests:write" in r.json()["detail"]
        assert (await session.execute(select(Complaint.id))).first() is None

    async def test_the_scope_covers_filing_only_not_the_staff_actions(self, client, session):
        w = await world(session)
        token = await hotline_token(client, session, ["requests:write"])
        receipt = (await client.post(URL, json=on_behalf(w), headers=bearer(token))).json()
        c = (await session.execute(select(Complaint).where(Complaint.tracking_no == receipt["tracking_no"]))
             ).scalar_one()
        for path in (f"{URL}/{c.id}/accept", f"{URL}/lookup", f"{URL}/attachments"):
            r = await client.post(path, json={}, headers=bearer(token))
            assert r.status_code == 403, path
            assert r.json()["code"] == "not_for_clients"

    async def test_the_scope_is_documented_in_the_contract(self, client):
        spec = (await client.get("/api/v1/openapi.json")).json()
        flows = spec["components"]["securitySchemes"]["ClientCredentials"]["flows"]["clientCredentials"]
        assert "requests:write" in flows["scopes"]
        assert {"ClientCredentials": ["requests:write"]} in spec["paths"]["/api/v1/complaints"]["post"]["security"]

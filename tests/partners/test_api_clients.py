"""Registered API clients: client-credentials tokens, scopes, secret rotation, rate limits, quotas and usage."""

import base64

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role
from api.partners import service
from tests.factories import auth, create_org_unit, create_user


@pytest.fixture(autouse=True)
def no_cached_clients() -> None:
    service.forget_cached_clients()


async def _admin(session: AsyncSession) -> dict[str, str]:
    unit = await create_org_unit(session)
    return auth(await create_user(session, unit, roles=[Role.admin]))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **kw: object) -> dict:
    body = {"name": "市政府门户网站", "owner_contact": "王工 0571-12345678", "scopes": ["disclosures:read"], **kw}
    r = await client.post("/api/v1/admin/api-clients", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _token(client: httpx.AsyncClient, client_id: str, secret: str, scope: str | None = None) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope:
        form["scope"] = scope
    return await client.post("/api/v1/auth/token", data=form)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestClientCredentials:
    async def test_registered_client_gets_a_token_with_its_scopes(self, client, session):
        creds = await _register(client, await _admin(session), scopes=["disclosures:read", "open311"])
        r = await _token(client, creds["client_id"], creds["client_secret"])
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["scope"] == "disclosures:read open311"
        assert body["refresh_token"] is None
        assert body["token_type"] == "bearer"

    async def test_http_basic_client_authentication(self, client, session):
        creds = await _register(client, await _admin(session))
        basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
        r = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"},
                              headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 200, r.text

    async def test_wrong_secret_is_invalid_client(self, client, session):
        creds = await _register(client, await _admin(session))
        r = await _token(client, creds["client_id"], creds["client_secret"] + "x")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "invalid_client"

    async def test_asking_for_a_scope_not_granted_is_refused(self, client, session):
        creds = await _register(client, await _admin(session))
        r = await _token(client, creds["client_id"], creds["client_secret"], scope="open311")
        assert r.status_code == 403
        assert r.json()["scope"] == "open311"

    async def test_secret_is_only_stored_hashed(self, client, session):
        creds = await _register(client, await _admin(session))
        r = await client.get("/api/v1/admin/api-clients", headers=await _admin(session))
        assert creds["client_secret"] not in r.text

    async def test_password_grant_still_needs_username_and_password(self, client):
        r = await client.post("/api/v1/auth/token", data={"grant_type": "password"})
        assert r.status_code == 422


class TestScopes:
    async def test_token_reads_disclosures_with_ratelimit_headers(self, client, session):
        creds = await _register(client, await _admin(session), rate_limit_per_minute=50, daily_quota=1000)
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        r = await client.get("/api/v1/disclosures", headers=_bearer(token))
        assert r.status_code == 200, r.text
        assert r.headers["ratelimit-policy"] == '"minute";q=50;w=60, "day";q=1000;w=86400'
        assert r.headers["ratelimit"].startswith('"minute";r=49;t=')
        assert '"day";r=999;' in r.headers["ratelimit"]

    async def test_route_of_another_scope_is_refused_naming_the_scope(self, client, session):
        creds = await _register(client, await _admin(session))
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        r = await client.get("/api/v1/services", headers=_bearer(token))
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "insufficient_scope"
        assert r.json()["scope"] == "services:read"
        assert "services:read" in r.json()["detail"]

    async def test_user_routes_refuse_client_tokens(self, client, session):
        creds = await _register(client, await _admin(session))
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        r = await client.get("/api/v1/auth/me", headers=_bearer(token))
        assert r.status_code == 403
        assert r.json()["code"] == "not_for_clients"

    async def test_deactivated_client_token_stops_working(self, client, session):
        admin = await _admin(session)
        creds = await _register(client, admin)
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        r = await client.patch(f"/api/v1/admin/api-clients/{creds['client']['id']}", json={"is_active": False},
                               headers=admin)
        assert r.status_code == 200
        r = await client.get("/api/v1/disclosures", headers=_bearer(token))
        assert r.status_code == 401

    async def test_anonymous_feed_access_is_unchanged(self, client):
        r = await client.get("/api/v1/feeds/disclosures.atom")
        assert r.status_code == 200
        assert "ratelimit" not in r.headers


class TestRotation:
    async def test_old_secret_works_during_the_overlap(self, client, session):
        admin = await _admin(session)
        creds = await _register(client, admin)
        r = await client.post(f"/api/v1/admin/api-clients/{creds['client']['id']}/secret",
                              json={"overlap_hours": 24}, headers=admin)
        assert r.status_code == 200, r.text
        new = r.json()["client_secret"]
        assert new != creds["client_secret"]
        assert r.json()["previous_secrets_expire_at"] is not None
        assert (await _token(client, creds["client_id"], creds["client_secret"])).status_code == 200
        assert (await _token(client, creds["client_id"], new)).status_code == 200

    async def test_old_secret_refused_after_the_overlap(self, client, session):
        admin = await _admin(session)
        creds = await _register(client, admin)
        r = await client.post(f"/api/v1/admin/api-clients/{creds['client']['id']}/secret",
                              json={"overlap_hours": 0}, headers=admin)
        new = r.json()["client_secret"]
        assert (await _token(client, creds["client_id"], creds["client_secret"])).status_code == 401
        assert (await _token(client, creds["client_id"], new)).status_code == 200


class TestLimits:
    async def test_per_minute_limit_answers_429_with_retry_after(self, client, session):
        creds = await _register(client, await _admin(session), rate_limit_per_minute=2)
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        for _ in range(2):
            assert (await client.get("/api/v1/disclosures", headers=_bearer(token))).status_code == 200
        r = await client.get("/api/v1/disclosures", headers=_bearer(token))
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["ratelimit"].startswith('"minute";r=0;')
        assert "ratelimit-policy" in r.headers

    async def test_daily_quota(self, client, session):
        creds = await _register(client, await _admin(session), daily_quota=1)
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        assert (await client.get("/api/v1/disclosures", headers=_bearer(token))).status_code == 200
        r = await client.get("/api/v1/disclosures", headers=_bearer(token))
        assert r.status_code == 429
        assert "今日" in r.json()["detail"]
        assert '"day";r=0;' in r.headers["ratelimit"]

    async def test_limits_are_per_client(self, client, session):
        admin = await _admin(session)
        a = await _register(client, admin, rate_limit_per_minute=1)
        b = await _register(client, admin, rate_limit_per_minute=1)
        ta = (await _token(client, a["client_id"], a["client_secret"])).json()["access_token"]
        tb = (await _token(client, b["client_id"], b["client_secret"])).json()["access_token"]
        assert (await client.get("/api/v1/disclosures", headers=_bearer(ta))).status_code == 200
        assert (await client.get("/api/v1/disclosures", headers=_bearer(tb))).status_code == 200
        assert (await client.get("/api/v1/disclosures", headers=_bearer(ta))).status_code == 429


class TestUsage:
    async def test_usage_counts_requests_and_errors_per_route(self, client, session):
        admin = await _admin(session)
        creds = await _register(client, admin)
        token = (await _token(client, creds["client_id"], creds["client_secret"])).json()["access_token"]
        for _ in range(3):
            await client.get("/api/v1/disclosures", headers=_bearer(token))
        await client.get("/api/v1/disclosures/999999", headers=_bearer(token))
        await client.get("/api/v1/services", headers=_bearer(token))
        r = await client.get(f"/api/v1/admin/api-clients/{creds['client']['id']}/usage?days=7", headers=admin)
        assert r.status_code == 200, r.text
        body = r.json()
        rows = {row["endpoint"]: (row["requests"], row["errors"]) for row in body["rows"]}
        assert rows["GET /api/v1/disclosures"] == (3, 0)
        assert rows["GET /api/v1/disclosures/{disclosure_id}"] == (1, 1)
        assert rows["GET /api/v1/services"] == (1, 1)
        assert body["requests_per_day"][-1] == 5
        assert body["errors_per_day"][-1] == 2
        assert len(body["days"]) == 7

    async def test_only_admins_manage_clients(self, client, session):
        unit = await create_org_unit(session)
        editor = auth(await create_user(session, unit, roles=[Role.editor]))
        r = await client.get("/api/v1/admin/api-clients", headers=editor)
        assert r.status_code == 403

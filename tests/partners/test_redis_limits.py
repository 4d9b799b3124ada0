"""Per-client rate limits and daily quotas on the real Redis (PORTAL_REDIS_URL's path), shared by two API
instances: this test's app and a second API process (uvicorn) on the same database and Redis. Redis db 3 of
127.0.0.1:6379 unless TEST_PARTNERS_REDIS_URL says otherwise (.ci/run starts redis-server when it is not running);
the tests skip, saying why, only when Redis cannot be reached."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api import ratelimit
from api.audit.keys import get_audit_keys
from api.auth.models import Role
from api.auth.service import get_keyring
from api.database import get_sessionmaker
from api.partners import service
from tests.conftest import DATABASE_URL
from tests.factories import auth, create_org_unit, create_user
from tests.notifications.fakes import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_PARTNERS_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
async def redis_counter() -> AsyncIterator[ratelimit.RedisCounter]:
    import redis.asyncio as redis

    r = redis.from_url(REDIS_URL)
    try:
        await r.ping()
    except (redis.ConnectionError, OSError) as exc:
        await r.aclose()
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({exc}); .ci/run starts redis-server")
    await r.flushdb()  # this db is the tests' own: counters of earlier runs (same client ids) must not count
    counter = ratelimit.RedisCounter(REDIS_URL)
    ratelimit.reset_counter(counter)
    service.forget_cached_clients()
    try:
        yield counter
    finally:
        ratelimit.reset_counter(ratelimit.MemoryCounter())
        await r.flushdb()
        await r.aclose()


def spawn_api(port: int) -> subprocess.Popen[bytes]:
    environ = {**os.environ, "PORTAL_DATABASE_URL": DATABASE_URL, "PORTAL_REDIS_URL": REDIS_URL,
               "PORTAL_WORKER_IN_PROCESS": "false", "PORTAL_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port",
                             str(port)], cwd=ROOT, env=environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture
async def second_api(committing_client) -> AsyncIterator[str]:
    """Another API process on the same database, key ring and Redis."""
    get_keyring()  # the development keys exist before the other process starts, so both use the same ones
    get_audit_keys()
    port = free_port()
    proc = spawn_api(port)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                try:
                    if (await http.get(url + "/api/v1/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the second API process did not start")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)


async def registered(client: httpx.AsyncClient, **limits: int) -> tuple[int, str]:
    """A client registered through the API (committed); returns its pk and a disclosures:read token."""
    async with get_sessionmaker()() as session:
        admin = auth(await create_user(session, await create_org_unit(session), roles=[Role.admin]))
        await session.commit()
    r = await client.post("/api/v1/admin/api-clients", headers=admin, json={
        "name": "省政务服务网", "owner_contact": "李工 0571-88888888", "scopes": ["disclosures:read"], **limits})
    assert r.status_code == 201, r.text
    creds = r.json()
    r = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                      "client_id": creds["client_id"],
                                                      "client_secret": creds["client_secret"]})
    assert r.status_code == 200, r.text
    return creds["client"]["id"], r.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestRedisCounters:
    async def test_the_counters_live_in_redis_with_their_windows(self, committing_client, redis_counter):
        pk, token = await registered(committing_client, rate_limit_per_minute=10, daily_quota=100)
        r = await committing_client.get("/api/v1/disclosures", headers=bearer(token))
        assert r.status_code == 200, r.text
        assert r.headers["ratelimit-policy"] == '"minute";q=10;w=60, "day";q=100;w=86400'
        assert r.headers["ratelimit"].startswith('"minute";r=9;')
        count, ttl = await redis_counter.get(f"client:{pk}:minute")
        assert count == 1 and 1 <= ttl <= 60

    async def test_per_minute_limit_answers_429_with_the_headers(self, committing_client, redis_counter):
        _, token = await registered(committing_client, rate_limit_per_minute=2, daily_quota=100)
        for _ in range(2):
            assert (await committing_client.get("/api/v1/disclosures", headers=bearer(token))).status_code == 200
        r = await committing_client.get("/api/v1/disclosures", headers=bearer(token))
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "client_rate_limited"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["ratelimit-policy"] == '"minute";q=2;w=60, "day";q=100;w=86400'
        assert r.headers["ratelimit"].startswith('"minute";r=0;')


class TestSharedByTwoInstances:
    async def test_the_minute_limit_counts_requests_to_both(self, committing_client, redis_counter, second_api):
        _, token = await registered(committing_client, rate_limit_per_minute=4, daily_quota=100)
        async with httpx.AsyncClient(base_url=second_api) as other:
            answers = []
            for i in range(4):
                via = committing_client if i % 2 == 0 else other
                answers.append((await via.get("/api/v1/disclosures", headers=bearer(token))).status_code)
            assert answers == [200, 200, 200, 200]
            for via in (committing_client, other):  # spent for both: each sees the other's requests
                r = await via.get("/api/v1/disclosures", headers=bearer(token))
                assert r.status_code == 429
                assert r.headers["ratelimit"].startswith('"minute";r=0;')
                assert "retry-after" in r.headers

    async def test_the_daily_quota_is_exhausted_across_both(self, committing_client, redis_counter, second_api):
        _, token = await registered(committing_client, rate_limit_per_minute=100, daily_quota=3)
        async with httpx.AsyncClient(base_url=second_api) as other:
            assert (await other.get("/api/v1/disclosures", headers=bearer(token))).status_code == 200
            assert (await committing_client.get("/api/v1/disclosures", headers=bearer(token))).status_code == 200
            r = await other.get("/api/v1/disclosures", headers=bearer(token))
            assert r.status_code == 200
            assert '"day";r=0;' in r.headers["ratelimit"]
            for via in (committing_client, other):
                r = await via.get("/api/v1/disclosures", headers=bearer(token))
                assert r.status_code == 429
                assert "今日" in r.json()["detail"]
                assert '"day";r=0;' in r.headers["ratelimit"]
                assert r.headers["ratelimit-policy"] == '"minute";q=100;w=60, "day";q=3;w=86400'
                # until UTC midnight: the Retry-After and the day window's reset agree
                reset = int(r.headers["ratelimit"].split('"day";r=0;t=')[1])
                assert abs(int(r.headers["retry-after"]) - reset) <= 2

"""Real transactions racing each other (committing_client): the database decides who wins."""

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.models import Application
from api.calendar.workdays import local_date
from api.database import utcnow
from tests.applications.conftest import GOOD, make_world
from tests.factories import auth


async def _world(engine):
    async with AsyncSession(engine, expire_on_commit=False) as s:
        w = await make_world(s)
        await s.commit()
    return w


async def _applications(engine) -> int:
    async with AsyncSession(engine) as s:
        return (await s.execute(select(func.count()).select_from(Application))).scalar_one()


class TestConcurrentRetries:
    async def test_exactly_one_application(self, committing_client, engine):
        w = await _world(engine)
        headers = {**auth(w.citizen), "Idempotency-Key": "retry-42"}
        body = {"service_code": "TEST", "data": GOOD}
        responses = await asyncio.gather(*[
            committing_client.post("/api/v1/applications", json=body, headers=headers) for _ in range(8)])
        codes = [r.status_code for r in responses]
        assert set(codes) <= {201, 409}, [r.text[:300] for r in responses]
        ids = {r.json()["id"] for r in responses if r.status_code == 201}
        assert len(ids) == 1
        assert await _applications(engine) == 1
        again = await committing_client.post("/api/v1/applications", json=body, headers=headers)
        assert again.status_code == 201 and again.json()["id"] in ids


    async def test_a_retry_while_the_first_is_running_is_409_and_a_failed_first_leaves_no_key(
            self, committing_client, engine):
        """The first request holds the key (PostgreSQL: its transaction's advisory lock and uncommitted row;
        SQLite: the write lock, so the retry waits instead); when it fails, the key is free again."""
        from api.idempotency import service as idempotency

        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite serializes writers: the retry waits for the first instead of answering 409")
        w = await _world(engine)
        headers = {**auth(w.citizen), "Idempotency-Key": "held"}
        body = {"service_code": "TEST", "data": GOOD}
        async with AsyncSession(engine) as first:
            claim = await idempotency.begin(first, w.citizen.id, "held", "POST /applications", body)
            assert claim.key_id is not None
            r = await committing_client.post("/api/v1/applications", json=body, headers=headers)
            assert r.status_code == 409 and r.json()["code"] == "idempotency_in_flight"
            await first.rollback()  # the first request failed
        r = await committing_client.post("/api/v1/applications", json=body, headers=headers)
        assert r.status_code == 201
        assert await _applications(engine) == 1


class TestConcurrentHandlers:
    async def test_exactly_one_accept_wins(self, committing_client, engine):
        w = await _world(engine)
        app = (await committing_client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD},
                                            headers=auth(w.citizen))).json()
        url = f"/api/v1/applications/{app['id']}/accept"
        a, b = await asyncio.gather(committing_client.post(url, json={}, headers=auth(w.handler)),
                                    committing_client.post(url, json={}, headers=auth(w.handler_b)))
        assert sorted([a.status_code, b.status_code]) == [200, 409]
        r = await committing_client.get(f"/api/v1/applications/{app['id']}", headers=auth(w.citizen))
        assert [e["action"] for e in r.json()["events"]] == ["submit", "accept"]

    async def test_two_departments_approving_at_once_both_count(self, committing_client, engine):
        w = await _world(engine)
        app = (await committing_client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD},
                                            headers=auth(w.citizen))).json()
        await committing_client.post(f"/api/v1/applications/{app['id']}/accept", json={}, headers=auth(w.handler))
        url = f"/api/v1/applications/{app['id']}/decisions"
        a, b = await asyncio.gather(
            committing_client.post(url, json={"decision": "approve"}, headers=auth(w.handler)),
            committing_client.post(url, json={"decision": "approve"}, headers=auth(w.other_handler)))
        assert {a.status_code, b.status_code} == {200}
        r = await committing_client.get(f"/api/v1/applications/{app['id']}", headers=auth(w.citizen))
        assert r.json()["status"] == "completed"


class TestTrackingNumbers:
    async def test_concurrent_submissions_get_distinct_numbers(self, committing_client, engine):
        """The year's sequence (PostgreSQL) or counter row (SQLite) hands each number out once."""
        year = local_date(utcnow()).year
        w = await _world(engine)
        responses = await asyncio.gather(*[
            committing_client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD},
                                   headers={**auth(w.citizen), "Idempotency-Key": f"first-{i}"}) for i in range(8)])
        assert [r.status_code for r in responses] == [201] * 8
        numbers = {r.json()["tracking_no"] for r in responses}
        assert len(numbers) == 8 and all(n.startswith(f"SQ{year}-") for n in numbers)

from sqlalchemy import func, select

from api.applications.models import Application
from api.idempotency.models import IdempotencyKey, KeyState
from tests.applications.conftest import GOOD
from tests.applications.helpers import submit


async def _count(session, user) -> int:
    return (await session.execute(select(func.count()).select_from(Application)
                                  .where(Application.applicant_id == user.id))).scalar_one()


class TestIdempotencyKey:
    async def test_same_key_same_body_returns_the_same_application(self, client, session, world):
        a = await submit(client, world.citizen, **{"Idempotency-Key": "k-1"})
        b = await submit(client, world.citizen, **{"Idempotency-Key": "k-1"})
        assert a.status_code == b.status_code == 201
        assert a.json()["id"] == b.json()["id"]
        assert b.headers["Idempotent-Replayed"] == "true"
        assert await _count(session, world.citizen) == 1

    async def test_same_key_other_body_is_422(self, client, session, world):
        await submit(client, world.citizen, **{"Idempotency-Key": "k-2"})
        r = await submit(client, world.citizen, {**GOOD, "applicant_name": "李四"}, **{"Idempotency-Key": "k-2"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["type"] == "idempotency_key_reused"
        assert await _count(session, world.citizen) == 1

    async def test_a_key_in_flight_is_409(self, client, session, world):
        from api.idempotency.service import request_hash

        body = {"service_code": "TEST", "data": GOOD}
        session.add(IdempotencyKey(owner=f"user:{world.citizen.id}", user_id=world.citizen.id, key="k-3",
                                   scope="POST /applications",
                                   request_hash=request_hash("POST /applications", body), state=KeyState.in_flight))
        await session.flush()
        r = await submit(client, world.citizen, **{"Idempotency-Key": "k-3"})
        assert r.status_code == 409
        assert r.json()["code"] == "idempotency_in_flight"
        assert await _count(session, world.citizen) == 0

    async def test_keys_are_per_user(self, client, session, world):
        a = await submit(client, world.citizen, **{"Idempotency-Key": "shared"})
        b = await submit(client, world.stranger, **{"Idempotency-Key": "shared"})
        assert a.json()["id"] != b.json()["id"]

    async def test_failed_request_does_not_burn_the_key(self, client, session, world):
        r = await submit(client, world.citizen, {"phone": "bad"}, **{"Idempotency-Key": "k-4"})
        assert r.status_code == 422
        r = await submit(client, world.citizen, {"phone": "bad"}, **{"Idempotency-Key": "k-4"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"].startswith("data.")

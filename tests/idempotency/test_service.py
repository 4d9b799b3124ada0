"""The idempotency kernel on its own: claims, replays, owners and sealed responses."""

import json

import pytest
from sqlalchemy import select

from api.errors import ValidationFailed
from api.idempotency import service as idempotency
from api.idempotency.models import IdempotencyKey, KeyState
from tests.factories import create_user

BODY = {"subject": "路灯不亮", "n": 1}


async def claimed_and_done(session, owner, key, body=BODY, response=None, seal=False):
    claim = await idempotency.begin(session, owner, key, "POST /things", body, seal=seal)
    assert claim.key_id is not None and claim.replay is None
    await idempotency.complete(session, claim, 201, response or {"id": 7, "query_code": "AB12CD"}, 7)
    return claim


class TestClaim:
    async def test_no_key_claims_nothing(self, session):
        claim = await idempotency.begin(session, "ip:x", None, "POST /things", BODY)
        assert claim.key_id is None and claim.replay is None

    async def test_a_completed_key_replays_its_response(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "k1")
        again = await idempotency.begin(session, user.id, "k1", "POST /things", BODY)
        assert again.replay is not None and again.replay.status_code == 201
        assert again.replay.headers["Idempotent-Replayed"] == "true"
        assert again.replay_body == {"id": 7, "query_code": "AB12CD"}

    async def test_another_body_under_the_same_key_is_422(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "k2")
        with pytest.raises(ValidationFailed) as exc:
            await idempotency.begin(session, user.id, "k2", "POST /things", {**BODY, "n": 2})
        assert exc.value.extra["errors"][0]["type"] == "idempotency_key_reused"

    async def test_a_key_in_flight_is_409_and_never_taken_over(self, session):
        session.add(IdempotencyKey(owner="ip:old", key="k3", scope="POST /things", state=KeyState.in_flight,
                                   request_hash=idempotency.request_hash("POST /things", BODY)))
        await session.flush()
        with pytest.raises(idempotency.RequestInFlight):
            await idempotency.begin(session, "ip:old", "k3", "POST /things", BODY)

    async def test_overlong_key_is_422(self, session):
        with pytest.raises(ValidationFailed):
            await idempotency.begin(session, "ip:x", "k" * 201, "POST /things", BODY)


class TestOwners:
    async def test_anonymous_owners_are_kept_apart(self, session):
        await claimed_and_done(session, "ip:aaa", "same", response={"id": 1})
        other = await idempotency.begin(session, "ip:bbb", "same", "POST /things", BODY)
        assert other.key_id is not None

    async def test_a_user_and_an_anonymous_client_are_kept_apart(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "same", response={"id": 1})
        other = await idempotency.begin(session, f"ip:{user.id}", "same", "POST /things", BODY)
        assert other.key_id is not None

    async def test_a_users_key_names_the_user(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "mine")
        row = (await session.execute(select(IdempotencyKey).where(IdempotencyKey.key == "mine"))).scalar_one()
        assert (row.owner, row.user_id) == (f"user:{user.id}", user.id)


class TestSealed:
    async def test_a_sealed_response_is_not_stored_in_clear(self, session):
        await claimed_and_done(session, "ip:s", "secret-key", seal=True)
        row = (await session.execute(select(IdempotencyKey).where(IdempotencyKey.owner == "ip:s"))).scalar_one()
        assert row.sealed and "AB12CD" not in json.dumps(row.response_body)
        assert "secret-key" not in row.key  # the key that opens the response is kept only as a digest

    async def test_the_retry_opens_a_sealed_response(self, session):
        await claimed_and_done(session, "ip:s", "secret-key-2", seal=True)
        again = await idempotency.begin(session, "ip:s", "secret-key-2", "POST /things", BODY, seal=True)
        assert again.replay_body == {"id": 7, "query_code": "AB12CD"}

"""The idempotency kernel on its own: claims, replays, callers and sealed responses."""

import json

import pytest
from sqlalchemy import select

from api.errors import ValidationFailed
from api.idempotency import service as idempotency
from api.idempotency.models import IdempotencyKey, KeyState
from tests.factories import create_user

BODY = {"subject": "路灯不亮", "n": 1}
RESPONSE = {"id": 7, "query_code": "AB12CD"}


async def claimed_and_done(session, user_id, key, client_hash=None, sealed=False):
    claim = await idempotency.begin(session, user_id, key, "POST /things", BODY, client_hash=client_hash,
                                    sealed=sealed)
    assert claim.key_id is not None and claim.replay is None
    await idempotency.complete(session, claim, 201, json.dumps(RESPONSE), 7)
    return claim


def replayed(claim) -> dict:
    assert claim.replay is not None and claim.replay.headers["Idempotent-Replayed"] == "true"
    return json.loads(claim.replay.body)


class TestClaim:
    async def test_no_key_claims_nothing(self, session):
        claim = await idempotency.begin(session, None, None, "POST /things", BODY, client_hash="x")
        assert claim.key_id is None and claim.replay is None

    async def test_a_completed_key_replays_its_response(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "k1")
        again = await idempotency.begin(session, user.id, "k1", "POST /things", BODY)
        assert again.replay.status_code == 201
        assert replayed(again) == RESPONSE

    async def test_another_body_under_the_same_key_is_422(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "k2")
        with pytest.raises(ValidationFailed) as exc:
            await idempotency.begin(session, user.id, "k2", "POST /things", {**BODY, "n": 2})
        assert exc.value.extra["errors"][0]["type"] == "idempotency_key_reused"

    async def test_a_key_in_flight_is_409_however_old(self, session):
        """Never taken over: a committed key in flight can only be a leftover (see migration 0012)."""
        from datetime import timedelta

        from api.database import utcnow

        user = await create_user(session)
        session.add(IdempotencyKey(user_id=user.id, key="k3", scope="POST /things", state=KeyState.in_flight,
                                   request_hash=idempotency.request_hash("POST /things", BODY),
                                   created_at=utcnow() - timedelta(days=1)))
        await session.flush()
        with pytest.raises(idempotency.RequestInFlight):
            await idempotency.begin(session, user.id, "k3", "POST /things", BODY)

    async def test_overlong_key_is_422(self, session):
        with pytest.raises(ValidationFailed):
            await idempotency.begin(session, None, "k" * 201, "POST /things", BODY, client_hash="x")


class TestCallers:
    async def test_anonymous_clients_are_kept_apart(self, session):
        await claimed_and_done(session, None, "same", client_hash="aaa")
        other = await idempotency.begin(session, None, "same", "POST /things", BODY, client_hash="bbb")
        assert other.key_id is not None

    async def test_a_user_and_an_anonymous_client_are_kept_apart(self, session):
        user = await create_user(session)
        await claimed_and_done(session, user.id, "same")
        other = await idempotency.begin(session, None, "same", "POST /things", BODY, client_hash=str(user.id))
        assert other.key_id is not None


class TestSealed:
    async def test_a_sealed_response_is_not_stored_in_clear(self, session):
        await claimed_and_done(session, None, "secret-key", client_hash="s", sealed=True)
        row = (await session.execute(select(IdempotencyKey).where(IdempotencyKey.client_hash == "s"))).scalar_one()
        assert "AB12CD" not in json.dumps(row.response_body) and row.key != "secret-key"

    async def test_the_retry_opens_a_sealed_response(self, session):
        await claimed_and_done(session, None, "secret-key-2", client_hash="s", sealed=True)
        again = await idempotency.begin(session, None, "secret-key-2", "POST /things", BODY, client_hash="s",
                                        sealed=True)
        assert replayed(again) == RESPONSE

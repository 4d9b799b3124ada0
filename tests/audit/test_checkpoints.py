"""Signed checkpoints of the chain head: verifiable with the public JWKS alone, and what catches a chain cut short."""

import pytest
from jose import jws
from sqlalchemy import delete, select, text

from api.audit import checkpoints
from api.audit import service as audit
from api.audit.models import AuditCheckpoint, AuditRecord
from api.auth.models import Role
from api.auth.tokens import KeyRing, write_private_key
from api.database import utcnow
from tests.factories import auth, create_org_unit, create_user


@pytest.fixture
def stranger(tmp_path) -> KeyRing:
    """A signing key the portal never published."""
    write_private_key(tmp_path / "stranger.pem")
    return KeyRing.from_files(tmp_path / "stranger.pem", [])


@pytest.fixture
async def auditor(session):
    return await create_user(session, await create_org_unit(session, "审计局"), roles=[Role.auditor])


async def add_records(session, n: int) -> None:
    for i in range(n):
        await audit.record(session, audit.SYSTEM, "test.event", "system", i, {"n": i})
    await audit.link_all(session)


async def cut_tail(session, keep: int) -> None:
    """A database writer deletes the newest records and moves the head back to the last one kept."""
    kept = (await session.execute(select(AuditRecord).where(AuditRecord.id == keep))).scalar_one()
    await session.execute(delete(AuditRecord).where(AuditRecord.id > keep))
    await session.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h, count = :i WHERE id = 1"),
                          {"i": keep, "h": kept.hash})
    session.expunge_all()


class TestPublished:
    async def test_auditor_signs_and_reads_a_checkpoint_verifiable_with_the_jwks(self, client, session, auditor):
        await add_records(session, 3)
        signed = await client.post("/api/v1/audit/checkpoints", headers=auth(auditor))
        assert signed.status_code == 200
        listed = (await client.get("/api/v1/audit/checkpoints", headers=auth(auditor))).json()["items"]
        assert [c["id"] for c in listed] == [signed.json()["id"]]
        token = listed[0]["token"]
        # Anyone can check it with the published keys and a JOSE library of their own.
        jwks = (await client.get("/.well-known/jwks.json")).json()["keys"]
        kid = jws.get_unverified_header(token)["kid"]
        payload = jws.verify(token, next(k for k in jwks if k["kid"] == kid), algorithms=["ES256"])
        [head] = await audit.entries(session, action="test.event", object_id=2)
        assert b'"last_id":3' in payload and head.hash.encode() in payload

    async def test_signing_twice_without_new_records_returns_the_same_checkpoint(self, client, session, auditor):
        await add_records(session, 1)
        first = await client.post("/api/v1/audit/checkpoints", headers=auth(auditor))
        again = await client.post("/api/v1/audit/checkpoints", headers=auth(auditor))
        assert first.json() == again.json()

    async def test_an_empty_log_has_nothing_to_sign(self, client, auditor):
        r = await client.post("/api/v1/audit/checkpoints", headers=auth(auditor))
        assert r.status_code == 409
        assert r.json()["code"] == "conflict"

    async def test_only_the_auditor_reads_checkpoints(self, client, session):
        admin = await create_user(session, await create_org_unit(session, "管理局"), roles=[Role.admin])
        assert (await client.get("/api/v1/audit/checkpoints", headers=auth(admin))).status_code == 403
        assert (await client.post("/api/v1/audit/checkpoints", headers=auth(admin))).status_code == 403


class TestVerification:
    async def test_untouched_log_verifies_against_its_checkpoints(self, client, session, auditor):
        await add_records(session, 3)
        await checkpoints.sign_checkpoint(session)
        await add_records(session, 2)
        body = (await client.get("/api/v1/audit/verify", headers=auth(auditor))).json()
        assert body == {"ok": True, "checked": 5, "first_bad_id": None, "problem": None,
                        "checkpoints_verified": 1, "checkpoints_unverifiable": 0}

    async def test_a_tail_cut_before_a_checkpoint_is_detected(self, client, session, auditor):
        await add_records(session, 3)
        await checkpoints.sign_checkpoint(session)
        await cut_tail(session, keep=1)
        assert (await audit.verify_chain(session)).ok  # the keyed chain alone cannot see it
        body = (await client.get("/api/v1/audit/verify", headers=auth(auditor))).json()
        assert body["ok"] is False
        assert "记录 3 已不存在" in body["problem"]

    async def test_a_checkpoint_kept_outside_catches_a_cut_that_took_the_stored_ones_along(self, session):
        await add_records(session, 3)
        kept_outside = (await checkpoints.sign_checkpoint(session)).token
        await cut_tail(session, keep=2)
        await session.execute(delete(AuditCheckpoint))
        assert (await checkpoints.verify_log(session)).ok  # what the docstring says is not guaranteed
        report = await checkpoints.verify_log(session, [kept_outside])
        assert report.ok is False
        assert "外部检查点 1" in report.problems[0]

    async def test_a_checkpoint_with_an_altered_payload_fails(self, session, stranger):
        await add_records(session, 2)
        cp = await checkpoints.sign_checkpoint(session)
        header, _, sig = cp.token.split(".")
        forged = checkpoints.sign({"sub": checkpoints.SUBJECT, "last_id": 1, "last_hash": "0" * 64, "count": 1},
                                  stranger)
        cp.token = f"{header}.{forged.split('.')[1]}.{sig}"
        report = await checkpoints.verify_log(session)
        assert report.ok is False
        assert "签名无效" in report.problems[0]

    async def test_a_checkpoint_from_a_key_not_in_the_jwks_is_no_evidence(self, session, stranger):
        await add_records(session, 2)
        session.add(AuditCheckpoint(signed_at=utcnow(), last_id=9, last_hash="0" * 64, count=9,
                                    token=checkpoints.sign({"sub": checkpoints.SUBJECT, "last_id": 9,
                                                            "last_hash": "0" * 64, "count": 9}, stranger)))
        report = await checkpoints.verify_log(session)
        assert (report.ok, report.checkpoints_verified, report.checkpoints_unverifiable) == (True, 0, 1)

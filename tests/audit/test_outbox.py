"""Records commit with their transaction into audit_outbox (on every database) and are chained afterwards, in
batches, by whichever linker gets there first; the chain stays one unbroken sequence."""

import asyncio

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.audit import service as audit
from api.audit.checkpoints import checkpoint_if_due
from api.audit.models import AuditCheckpoint, AuditOutbox, AuditRecord
from api.auth.models import Role
from api.database import begin_write
from tests.factories import auth, create_org_unit, create_user


async def _register(client, i: int) -> int:
    r = await client.post("/api/v1/auth/register", json={
        "username": f"outbox{i}", "password": "Chain#Pass2026", "display_name": f"暂存{i}"})
    return r.status_code


async def _counts(engine: AsyncEngine) -> tuple[int, int]:
    async with AsyncSession(engine) as s:
        staged = (await s.execute(select(func.count()).select_from(AuditOutbox))).scalar_one()
        chained = (await s.execute(select(func.count()).select_from(AuditRecord))).scalar_one()
    return staged, chained


async def _link(engine: AsyncEngine, limit: int) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as s:
        await begin_write(s)
        n = await audit.link_outbox(s, limit)
        await s.commit()
    return n


async def test_commits_stage_and_linkers_chain_each_record_once(committing_client, engine):
    assert await asyncio.gather(*(_register(committing_client, i) for i in range(10))) == [202] * 10
    assert await _counts(engine) == (10, 0)  # nothing waited on the chain's head

    # Linkers racing each other (small batches, so they interleave): every record chained exactly once.
    async def drain() -> int:
        total = 0
        while n := await _link(engine, 3):
            total += n
        return total

    linked = await asyncio.gather(drain(), drain()) if engine.dialect.name != "sqlite" else [await drain()]
    assert sum(linked) == 10
    assert await _counts(engine) == (0, 10)
    async with AsyncSession(engine) as s:
        report = await audit.verify_chain(s)
        names = sorted((await s.execute(select(AuditRecord.summary))).scalars().all(), key=str)
    assert report.ok and report.checked == 10, report
    assert len({str(n) for n in names}) == 10


async def test_the_background_linker_chains_soon_after_a_commit(committing_client, engine):
    audit.linker.start(after_link=checkpoint_if_due)
    try:
        assert await _register(committing_client, 99) == 202
        for _ in range(60):
            if await _counts(engine) == (0, 1):
                break
            await asyncio.sleep(0.05)
        assert await _counts(engine) == (0, 1)
        for _ in range(60):  # and signs a checkpoint of the head it moved (none was signed before)
            if await _checkpoints(engine):
                break
            await asyncio.sleep(0.05)
        [checkpoint] = await _checkpoints(engine)
        assert (checkpoint.last_id, checkpoint.count) == (1, 1)
    finally:
        await audit.linker.stop()


async def _checkpoints(engine: AsyncEngine) -> list[AuditCheckpoint]:
    async with AsyncSession(engine) as s:
        return list((await s.execute(select(AuditCheckpoint))).scalars())


async def test_the_audit_api_shows_records_not_yet_chained(committing_client, engine):
    async with AsyncSession(engine, expire_on_commit=False) as s:
        unit = await create_org_unit(s, "测试局")
        auditor = await create_user(s, unit, roles=[Role.auditor])
        await s.commit()
    assert await _register(committing_client, 7) == 202
    assert (await _counts(engine))[0] >= 1
    r = await committing_client.get("/api/v1/audit", headers=auth(auditor))
    assert r.status_code == 200
    assert "user.register" in [i["action"] for i in r.json()["items"]]
    verify = await committing_client.get("/api/v1/audit/verify", headers=auth(auditor))
    assert verify.json()["ok"] is True
    assert (await _counts(engine))[0] == 0


async def test_a_rolled_back_savepoint_takes_its_staged_records_along(session):
    actor = audit.Actor(None, "测试", "system")
    nested = await session.begin_nested()
    await audit.record(session, actor, "test.discarded", "test", 1)
    await nested.rollback()
    await audit.record(session, actor, "test.kept", "test", 2)
    await session.flush()
    actions = (await session.execute(select(AuditOutbox.action))).scalars().all()
    assert actions == ["test.kept"]


class TestOutboxMac:
    """A database writer without the key cannot slip a record into the chain through the outbox."""

    async def test_a_row_inserted_without_the_key_is_chained_as_a_forgery(self, session):
        await audit.record(session, audit.SYSTEM, "test.genuine", "test", 1)
        await session.flush()
        genuine = (await session.execute(select(AuditOutbox))).scalar_one()
        await session.execute(insert(AuditOutbox).values(
            occurred_at=genuine.occurred_at, actor_id=None, actor_name="局长", actor_role="leader",
            action="complaint.close", object_type="complaint", object_id="42", summary={}, ip=None,
            request_id=None, key_id=genuine.key_id, mac="0" * 64))
        records = await audit.entries(session)
        assert [r.action for r in records] == ["test.genuine", audit.FORGED]
        assert records[1].summary["row"]["action"] == "complaint.close"
        assert records[1].object_type == "audit_outbox"
        assert (await audit.verify_chain(session)).ok  # the chain itself is sound: the forgery is on record

    async def test_a_waiting_row_changed_before_linking_is_chained_as_a_forgery(self, session):
        await audit.record(session, audit.SYSTEM, "test.event", "test", 1, {"amount": 100})
        await session.flush()
        await session.execute(update(AuditOutbox).values(summary={"amount": 1}))
        [rec] = await audit.entries(session)
        assert rec.action == audit.FORGED
        assert rec.summary["row"]["summary"] == {"amount": 1}

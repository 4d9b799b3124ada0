"""Append to and verify the hash-chained audit log. Runs inside the caller's transaction."""

import asyncio
import hashlib
import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from api.audit.models import AuditHead, AuditOutbox, AuditRecord
from api.config import get_settings
from api.database import utcnow
from api.logs import client_ip_var, get_logger, request_id_var
from api.tasks import BackgroundTask

GENESIS = "0" * 64
log = get_logger("api.audit")


@dataclass(frozen=True)
class Actor:
    """Who did it, as the audit log and the case histories record it."""

    id: int | None
    name: str
    role: str | None = None


SYSTEM = Actor(None, "系统", "system")


def _digest(prev_hash: str, rec: AuditRecord) -> str:
    payload = {
        "id": rec.id,
        "occurred_at": rec.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": rec.actor_id,
        "actor_name": rec.actor_name,
        "actor_role": rec.actor_role,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "summary": rec.summary,
        "ip": rec.ip,
        "request_id": rec.request_id,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


_PENDING = "audit_pending"


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    summary: dict[str, Any] | None = None,
) -> AuditRecord:
    """Add one record to the caller's transaction. In "commit" mode it is linked into the chain when the
    transaction commits (see _link_pending), so the chain's lock is held for the last statements only; in
    "background" mode it goes to audit_outbox with the caller's other rows (see link_outbox)."""
    rec = AuditRecord(
        occurred_at=utcnow(),
        actor_id=actor.id,
        actor_name=actor.name,
        actor_role=actor.role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=_jsonable(summary or {}),
        ip=client_ip_var.get(),
        request_id=request_id_var.get(),
        prev_hash="",
        hash="",
    )
    if linking_mode(session.get_bind().dialect.name) == "background":
        # Flushed with the caller's own rows; a savepoint or transaction that rolls back takes it along.
        session.add(AuditOutbox(**_fields(rec)))
        session.info[_STAGED] = True
        return rec
    # Remember the innermost transaction, so a savepoint that rolls back takes its records with it.
    sync = session.sync_session
    session.info.setdefault(_PENDING, []).append((sync.get_nested_transaction() or sync.get_transaction(), rec))
    return rec


async def link_pending(session: AsyncSession) -> None:
    """Link this transaction's records now (for code that reads the log before committing)."""
    await session.run_sync(_link_pending)


def linking_mode(dialect: str) -> str:
    mode = get_settings().audit_linking
    if mode == "auto":
        return "commit" if dialect == "sqlite" else "background"
    return mode


def _link_pending(session: Session) -> None:
    """Runs in the commit of the same transaction ("commit" mode): lock the head row, number and hash the
    records, move the head; concurrent writers queue on the head row until each one's commit ends."""
    pending = [rec for _, rec in session.info.pop(_PENDING, [])]
    if pending:
        _append(session, pending)


_FIELDS = ("occurred_at", "actor_id", "actor_name", "actor_role", "action", "object_type", "object_id", "summary",
           "ip", "request_id")
_STAGED = "audit_staged"


def _fields(rec: AuditRecord | AuditOutbox) -> dict[str, Any]:
    return {name: getattr(rec, name) for name in _FIELDS}


def _append(session: Session, records: list[AuditRecord]) -> None:
    """Chain `records` after the head, in this order; the head row stays locked until the commit."""
    lock_head = (select(AuditHead).where(AuditHead.id == 1).with_for_update()
                 .execution_options(populate_existing=True))
    head = session.execute(lock_head).scalar_one_or_none()
    if head is None:  # the very first records: several writers may race to create the head row
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(AuditHead).values(id=1, last_id=0, last_hash=GENESIS, count=0)
                        .on_conflict_do_nothing(index_elements=[AuditHead.id]))
        head = session.execute(lock_head).scalar_one()
    last_id, last_hash = head.last_id, head.last_hash
    for rec in records:
        last_id += 1
        rec.id, rec.prev_hash = last_id, last_hash
        rec.hash = last_hash = _digest(rec.prev_hash, rec)
        session.add(rec)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1)
        .values(last_id=last_id, last_hash=last_hash, count=AuditHead.count + len(records))
    )
    session.flush()


async def link_outbox(session: AsyncSession, limit: int = 1000) -> int:
    """Chain up to `limit` committed outbox records, oldest first; the caller commits. Linkers running at
    once skip each other's rows and then queue on the head row, so each record is chained exactly once."""
    return await session.run_sync(_link_outbox, limit)


def _link_outbox(session: Session, limit: int) -> int:
    rows = session.execute(select(AuditOutbox).order_by(AuditOutbox.id).limit(limit)
                           .with_for_update(skip_locked=True)).scalars().all()
    if not rows:
        return 0
    _append(session, [AuditRecord(**_fields(r), prev_hash="", hash="") for r in rows])
    session.execute(delete(AuditOutbox).where(AuditOutbox.id.in_([r.id for r in rows])))
    for r in rows:
        session.expunge(r)
    return len(rows)


class Linker:
    """Each worker's background task for "background" mode: links the outbox shortly after commits (woken by
    them, then waiting a quarter second so a busy moment's records make one batch; at least every 1.25 s for
    other workers' records)."""

    BATCH = 1000

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task = BackgroundTask("audit-linker")

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task.start(self._run)

    async def stop(self) -> None:
        await self._task.stop()

    async def _run(self) -> None:
        from api.database import begin_write, get_sessionmaker

        while True:
            try:
                async with get_sessionmaker()() as session:
                    await begin_write(session)
                    linked = await link_outbox(session, self.BATCH)
                    await session.commit()
            except Exception:  # a lost connection, a restart of the database: try again shortly
                log.exception("audit_link_failed")
                linked = 0
                await asyncio.sleep(1)
            if linked < self.BATCH:
                self._wake.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                await asyncio.sleep(0.25)  # let the commits of the moment gather into one batch


linker = Linker()


def _after_commit(session: Session) -> None:
    if session.info.pop(_STAGED, False):
        linker.wake()


def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Drop the records of a transaction (or savepoint) that rolled back, and of any inside it."""
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def inside(tx: SessionTransaction | None) -> bool:
        while tx is not None:
            if tx is previous_transaction:
                return True
            tx = tx.parent
        return False

    session.info[_PENDING] = [(tx, rec) for tx, rec in pending if not inside(tx)]


event.listen(Session, "before_commit", _link_pending)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _forget_rolled_back)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None


async def verify_chain(session: AsyncSession, batch: int = 2000) -> ChainReport:
    """Recompute every hash in order; report the first record that was changed, removed or added."""
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one_or_none()
    prev, expected_id, checked, last_id = GENESIS, 1, 0, 0
    while True:
        rows = (await session.execute(
            select(AuditRecord).where(AuditRecord.id > last_id).order_by(AuditRecord.id).limit(batch)
        )).scalars().all()
        if not rows:
            break
        for rec in rows:
            if rec.id != expected_id:
                return ChainReport(False, checked, expected_id, f"记录 {expected_id} 缺失")
            if rec.prev_hash != prev:
                return ChainReport(False, checked, rec.id, "前序哈希不匹配（前一条记录被改动或删除）")
            if _digest(prev, rec) != rec.hash:
                return ChainReport(False, checked, rec.id, "记录内容与哈希不符（记录被篡改）")
            prev, expected_id, last_id = rec.hash, rec.id + 1, rec.id
            checked += 1
        session.expunge_all()
    if head is None:
        if checked:
            return ChainReport(False, checked, None, "缺少链头记录")
        return ChainReport(True, 0)
    if head.last_id != last_id or head.last_hash != prev or head.count != checked:
        return ChainReport(False, checked, last_id + 1, "链尾记录被删除或链头被改动")
    return ChainReport(True, checked)


def search_query(
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    stmt = select(AuditRecord)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    if object_type:
        stmt = stmt.where(AuditRecord.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditRecord.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditRecord.actor_id == actor_id)
    if since:
        stmt = stmt.where(AuditRecord.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditRecord.occurred_at < until)
    return stmt

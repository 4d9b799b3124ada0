"""Append to and verify the audit log: a keyed hash chain, linked in batches, anchored by signed checkpoints.

How a record gets there. `record()` adds one row to `audit_outbox` in the caller's transaction (it commits or
rolls back with the change it describes; a request pays for one INSERT, and never waits on other writers). The
linker (`Linker` below: a background task in every worker, on SQLite and PostgreSQL alike) moves committed
outbox rows into `audit_records` in batches, oldest first: it locks the one `audit_head` row, numbers each record
(id = previous id + 1), computes

    hash = HMAC-SHA256(K[kid], prev_hash ‖ canonical JSON of the record, its id and kid)

and moves the head (last id, last hash, count). Readers (the audit API, `verify_chain`, `entries`) link what is
waiting first, so a record is visible as soon as its transaction committed.

What verification (`GET /audit/verify`, `make verify-audit`) guarantees, against someone who can write the
database but does not hold the MAC key (it lives in a file outside the database, PORTAL_AUDIT_KEY_FILE):
- a changed record is found, even when every later hash was recomputed: without K no one can compute a valid
  link, so the first changed record fails its MAC;
- a removed or inserted record in the middle is found (ids are consecutive, each link names its predecessor);
- a chain cut short is found if a signed checkpoint (api/audit/checkpoints.py: ES256 with the token signing key,
  `kid` in the JWS header, verifiable by anyone with the public JWKS) covers a record that is gone or differs.
  Checkpoints are stored in `audit_checkpoints`, served at GET /audit/checkpoints and written to the log; one
  kept outside the database (`make verify-audit CHECKPOINT=file`) also catches a database writer who deleted the
  tail and the checkpoints after it, or restored an old backup.

What it does not guarantee:
- the tail after the last checkpoint held outside the database can be cut off (records deleted, head moved back)
  without a trace; checkpoints are signed every PORTAL_AUDIT_CHECKPOINT_SECONDS at most, so that is the window;
- records still in `audit_outbox` (committed in the last second or so, not yet linked) can be deleted by a database
  writer before the linker chains them. They cannot be changed or added unnoticed: each carries its writer's MAC,
  and a row whose MAC fails is chained as an `audit.forged_outbox_row` record holding what the row said;
- anyone holding the MAC key and the signing key (the application's host) can rewrite the chain and sign new
  checkpoints over it; only checkpoints copied out before that keep the history they cover honest;
- a MAC proves integrity to the holder of the key only: the auditor's check runs on the server. The checkpoints
  are what a third party can verify without any secret.

Keys and rotation. Each record stores the `kid` of the MAC key that linked it; a new key (a new file, the old one
moved to PORTAL_PREVIOUS_AUDIT_KEY_FILES) links new records and the old one keeps verifying old ones, so audit keys
are never retired. A record whose kid is unknown fails verification. Checkpoints signed by a token signing key
that has since left the JWKS can no longer be checked: they are counted as unverifiable, never as evidence.
"""

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.audit.keys import AuditKey, get_audit_keys
from api.audit.models import AuditHead, AuditOutbox, AuditRecord
from api.database import begin_write, get_sessionmaker, utcnow
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

_FIELDS = ("occurred_at", "actor_id", "actor_name", "actor_role", "action", "object_type", "object_id", "summary",
           "ip", "request_id")


def canonical(rec: AuditRecord) -> bytes:
    """The bytes a link covers: the record's content, its number and the kid of the key linking it."""
    payload = {name: getattr(rec, name) for name in _FIELDS}
    payload["occurred_at"] = rec.occurred_at.isoformat(timespec="microseconds")
    payload["id"] = rec.id
    payload["key_id"] = rec.key_id
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link_hash(key: AuditKey, prev_hash: str, rec: AuditRecord) -> str:
    return key.mac(prev_hash.encode() + canonical(rec))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


STAGED = "audit_staged"  # session.info flag: this transaction wrote outbox rows (the linker is woken after commit)


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Add one record to the caller's transaction (as an outbox row, flushed with the caller's own rows: a
    savepoint or transaction that rolls back takes it along). The linker chains it after the commit."""
    row = AuditOutbox(
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
    )
    key = get_audit_keys().active
    row.key_id = key.kid
    row.mac = outbox_mac(key, row)
    session.add(row)
    session.info[STAGED] = True


def outbox_mac(key: AuditKey, row: AuditOutbox) -> str:
    """The writer's MAC over a record's content, checked by the linker before it chains the row."""
    payload = {name: getattr(row, name) for name in _FIELDS}
    payload["occurred_at"] = row.occurred_at.isoformat(timespec="microseconds")
    payload["key_id"] = row.key_id
    return key.mac(b"outbox\0" + json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                            default=str).encode())


FORGED = "audit.forged_outbox_row"


def _chained(row: AuditOutbox, keys: dict[str, AuditKey]) -> AuditRecord:
    """The record an outbox row becomes: itself if its MAC holds; otherwise a record of the forgery, which keeps
    what the row said in its summary (so the auditor sees it and nothing is lost)."""
    key = keys.get(row.key_id or "")
    if key is not None and hmac.compare_digest(outbox_mac(key, row), row.mac or ""):
        return AuditRecord(**{name: getattr(row, name) for name in _FIELDS})
    log.error("audit_forged_outbox_row", outbox_id=row.id)
    said = {name: getattr(row, name) for name in _FIELDS}
    return AuditRecord(occurred_at=utcnow(), actor_id=None, actor_name=SYSTEM.name, actor_role=SYSTEM.role,
                       action=FORGED, object_type="audit_outbox", object_id=str(row.id),
                       summary=_jsonable({"row": said, "key_id": row.key_id}), ip=None, request_id=None)


async def link_outbox(session: AsyncSession, limit: int = 1000) -> int:
    """Chain up to `limit` committed outbox records, oldest first; the caller commits. Linkers running at
    once skip each other's rows and then queue on the head row, so each record is chained exactly once."""
    return await session.run_sync(_link_outbox, limit)


async def link_all(session: AsyncSession, batch: int = 1000) -> int:
    """Chain everything waiting in the outbox (in this transaction; the caller commits)."""
    total = 0
    while linked := await link_outbox(session, batch):
        total += linked
    return total


def _link_outbox(session: Session, limit: int) -> int:
    rows = session.execute(select(AuditOutbox).order_by(AuditOutbox.id).limit(limit)
                           .with_for_update(skip_locked=True)).scalars().all()
    if not rows:
        return 0
    keys = get_audit_keys().by_kid
    _append(session, [_chained(r, keys) for r in rows])
    session.execute(delete(AuditOutbox).where(AuditOutbox.id.in_([r.id for r in rows])))
    for r in rows:
        session.expunge(r)
    return len(rows)


def _append(session: Session, records: list[AuditRecord]) -> None:
    """Chain `records` after the head, in this order; the head row stays locked until the commit."""
    key = get_audit_keys().active
    lock_head = (select(AuditHead).where(AuditHead.id == 1).with_for_update()
                 .execution_options(populate_existing=True))
    head = session.execute(lock_head).scalar_one_or_none()
    if head is None:  # the very first records: several linkers may race to create the head row
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(AuditHead).values(id=1, last_id=0, last_hash=GENESIS, count=0)
                        .on_conflict_do_nothing(index_elements=[AuditHead.id]))
        head = session.execute(lock_head).scalar_one()
    last_id, last_hash = head.last_id, head.last_hash
    for rec in records:
        last_id += 1
        rec.id, rec.prev_hash, rec.key_id = last_id, last_hash, key.kid
        rec.hash = last_hash = link_hash(key, last_hash, rec)
        session.add(rec)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1)
        .values(last_id=last_id, last_hash=last_hash, count=AuditHead.count + len(records))
    )
    session.flush()


AfterLink = Callable[[AsyncSession], Awaitable[object]]


class Linker:
    """Each worker's background task: links the outbox shortly after commits (woken by them, then waiting a
    quarter second so a busy moment's records make one batch; at least every 1.25 s for other workers' records).
    `after_link` runs after each pass, in a transaction of its own (the app signs checkpoints there)."""

    BATCH = 1000

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task = BackgroundTask("audit-linker")

    def wake(self) -> None:
        self._wake.set()

    def start(self, after_link: AfterLink | None = None) -> None:
        self._task.start(lambda: self._run(after_link))

    async def stop(self) -> None:
        await self._task.stop()

    async def _run(self, after_link: AfterLink | None) -> None:
        while True:
            try:
                async with get_sessionmaker()() as session:
                    await begin_write(session)
                    linked = await link_outbox(session, self.BATCH)
                    await session.commit()
                    if after_link is not None:  # in a transaction of its own: it sees only a committed head
                        await begin_write(session)
                        await after_link(session)
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
    if session.info.pop(STAGED, False):
        linker.wake()


event.listen(Session, "after_commit", _after_commit)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    last_id: int = 0
    last_hash: str = GENESIS


async def verify_chain(session: AsyncSession, batch: int = 2000) -> ChainReport:
    """Check every link in order with its MAC key; report the first record changed, removed or added.
    Call `link_all` first so that what is waiting in the outbox is checked too."""
    keys = get_audit_keys().by_kid
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
            key = keys.get(rec.key_id or "")
            if key is None:
                return ChainReport(False, checked, rec.id, f"记录所用的审计密钥 {rec.key_id} 未配置")
            if link_hash(key, prev, rec) != rec.hash:
                return ChainReport(False, checked, rec.id, "记录内容与校验码不符（记录被篡改）")
            prev, expected_id, last_id = rec.hash, rec.id + 1, rec.id
            checked += 1
        session.expunge_all()
    if head is None:
        if checked:
            return ChainReport(False, checked, None, "缺少链头记录")
        return ChainReport(True, 0)
    if head.last_id != last_id or head.last_hash != prev or head.count != checked:
        return ChainReport(False, checked, last_id + 1, "链尾记录被删除或链头被改动")
    return ChainReport(True, checked, last_id=last_id, last_hash=prev)


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


async def entries(
    session: AsyncSession,
    action: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
) -> list[AuditRecord]:
    """The chained records matching the filters, oldest first, after linking what is waiting (the caller commits)."""
    await link_all(session)
    stmt = search_query(action, object_type, None if object_id is None else str(object_id))
    return list((await session.execute(stmt.order_by(AuditRecord.id))).scalars())

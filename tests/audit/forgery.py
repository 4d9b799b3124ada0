"""What an attacker who can write the database but holds no key does to the audit log: change a record, then
recompute every later link with the best function they have (SHA-256 over the same canonical bytes the portal
uses) and move the head, so that every prev_hash/hash pair and the head agree again. Before the chain was keyed,
this forgery verified."""

import hashlib
import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.audit.models import AuditRecord
from api.audit.service import canonical


async def forge(db: AsyncSession | AsyncConnection, record_id: int, summary: dict[str, Any]) -> None:
    await db.execute(text("UPDATE audit_records SET summary = :s WHERE id = :id"),
                     {"s": json.dumps(summary, ensure_ascii=False), "id": record_id})
    await relink_without_key(db, from_id=record_id)


async def relink_without_key(db: AsyncSession | AsyncConnection, from_id: int) -> None:
    rows = (await db.execute(select(*AuditRecord.__table__.c).where(AuditRecord.id >= from_id - 1)
                             .order_by(AuditRecord.id))).all()
    prev = rows[0].hash if rows[0].id < from_id else "0" * 64
    for row in rows:
        if row.id < from_id:
            continue
        new = hashlib.sha256(prev.encode() + canonical(SimpleNamespace(**row._asdict()))).hexdigest()  # type: ignore[arg-type]
        await db.execute(text("UPDATE audit_records SET prev_hash = :p, hash = :h WHERE id = :id"),
                         {"p": prev, "h": new, "id": row.id})
        prev = new
    await db.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": prev})

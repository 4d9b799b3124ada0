"""Idempotency-Key for writes a client may retry: the same key and body give the stored response,
the same key with another body is 422, a key whose first request is still running is 409.

On PostgreSQL the key is claimed in its own short transaction so a concurrent retry sees the
in-flight marker; the response is stored in the request's transaction, so the work and the
key's completion commit together. On SQLite writers are serialized (BEGIN IMMEDIATE), and a
session bound to an outer connection (tests, scripts) claims inside that transaction."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import begin_write, can_use_side_session, side_connection, side_sessions, utcnow
from api.errors import Conflict, ValidationFailed
from api.idempotency.models import IdempotencyKey, KeyState

# An in-flight marker older than this belongs to a request that died; a retry may take it over.
STALE_AFTER = timedelta(minutes=2)


class RequestInFlight(Conflict):
    code = "idempotency_in_flight"
    title = "相同幂等键的请求正在处理中，请稍后重试"


@dataclass
class Claim:
    key_id: int | None = None
    separate: bool = False
    replay: JSONResponse | None = None


def request_hash(scope: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


def _mismatch() -> ValidationFailed:
    return ValidationFailed([{"field": "Idempotency-Key", "in": "header", "type": "idempotency_key_reused",
                              "message": "该幂等键已用于内容不同的请求"}], "幂等键已被其他请求使用")


def _replay(row: IdempotencyKey) -> JSONResponse:
    return JSONResponse(row.response_body, status_code=row.response_status or 200,
                        headers={"Idempotent-Replayed": "true"})


async def _existing(session: AsyncSession, user_id: int, key: str) -> IdempotencyKey | None:
    return (await session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )).scalar_one_or_none()


async def _judge(session: AsyncSession, row: IdempotencyKey, digest: str, separate: bool) -> Claim:
    if row.request_hash != digest:
        raise _mismatch()
    if row.state == KeyState.done:
        return Claim(replay=_replay(row))
    if row.created_at > utcnow() - STALE_AFTER:
        raise RequestInFlight()
    taken = await session.execute(
        update(IdempotencyKey).where(IdempotencyKey.id == row.id, IdempotencyKey.state == KeyState.in_flight,
                                     IdempotencyKey.created_at == row.created_at).values(created_at=utcnow()))
    if getattr(taken, "rowcount", 0) != 1:
        raise RequestInFlight()
    return Claim(key_id=row.id, separate=separate)


# Built once: both run on every keyed submission, and SQLAlchemy then reuses their cache keys.
_CLAIM = insert(IdempotencyKey).returning(IdempotencyKey.id)
_COMPLETE = (update(IdempotencyKey).where(IdempotencyKey.id == bindparam("key_id"))
             .values(state=bindparam("state"), response_status=bindparam("response_status"),
                     response_body=bindparam("response_body"), resource_id=bindparam("resource_id"),
                     completed_at=bindparam("completed_at")))


async def begin(session: AsyncSession, user_id: int, key: str | None, scope: str, body: Any) -> Claim:
    """Claim `key` for this request, or return the stored response to replay (Claim.replay)."""
    if not key:
        return Claim()
    if not 1 <= len(key) <= 200:
        raise ValidationFailed([{"field": "Idempotency-Key", "in": "header", "type": "string_too_long",
                                 "message": "幂等键长度应为 1–200 个字符"}])
    digest = request_hash(scope, body)
    if not can_use_side_session(session):
        row = IdempotencyKey(user_id=user_id, key=key, scope=scope, request_hash=digest, state=KeyState.in_flight)
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
            return Claim(key_id=row.id)
        except IntegrityError:
            existing = await _existing(session, user_id, key)
            assert existing is not None
            return await _judge(session, existing, digest, separate=False)
    try:  # one autocommitted INSERT: the key is claimed for everyone the moment it returns
        async with side_connection() as conn:
            key_id = (await conn.execute(_CLAIM, {"user_id": user_id, "key": key, "scope": scope,
                                                  "request_hash": digest, "state": KeyState.in_flight})).scalar_one()
        return Claim(key_id=key_id, separate=True)
    except IntegrityError:
        pass
    async with side_sessions()() as side:
        await begin_write(side)
        existing = await _existing(side, user_id, key)
        if existing is None:  # the other request failed and released the key in between
            raise RequestInFlight()
        claim = await _judge(side, existing, digest, separate=True)
        await side.commit()
        return claim


async def complete(session: AsyncSession, claim: Claim, status: int, body: Any, resource_id: int | None) -> None:
    """Store the response in the request's transaction: the work and the key commit together."""
    if claim.key_id is None:
        return
    await session.execute(_COMPLETE, {"key_id": claim.key_id, "state": KeyState.done, "response_status": status,
                                      "response_body": body, "resource_id": resource_id, "completed_at": utcnow()})


async def abandon(claim: Claim) -> None:
    """Release a separately claimed key after the request failed, so a retry can run."""
    if claim.key_id is None or not claim.separate:
        return
    async with side_sessions()() as side:
        await side.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim.key_id,
                                                        IdempotencyKey.state == KeyState.in_flight))
        await side.commit()

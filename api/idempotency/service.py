"""Idempotency-Key for writes a client may retry: the same key and body give the stored response,
the same key with another body is 422, a key whose first request is still running is 409.

The key is claimed, and its response stored, in the request's own transaction: the work and the key
commit together, and a request that fails leaves no trace of either. So a committed key is always complete: a
key in flight belongs to a request that has not committed yet, and is never taken over. On PostgreSQL the claim also
takes a transaction-level advisory lock on the key, without waiting: a concurrent retry that cannot
take it answers 409 at once instead of queueing behind the first. On SQLite writers are serialized
(BEGIN IMMEDIATE), so the second request only starts once the first has committed or rolled back.

Keys belong to a user, or to an anonymous client (a hash the domain derives, e.g. from the IP address).
A response that holds a secret (a complaint's 查询码) is kept sealed: with `sealed=True` the key is stored
only as a digest and the response is encrypted under a key derived from the client's Idempotency-Key, so
the database alone can open neither; the client's retry, which brings the key, can."""

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Annotated, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, BigInteger, Text, bindparam, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import utcnow
from api.errors import Conflict, ValidationFailed
from api.idempotency.models import IdempotencyKey, KeyState


class RequestInFlight(Conflict):
    code = "idempotency_in_flight"
    title = "相同幂等键的请求正在处理中，请稍后重试"


KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                        description="重试同一提交时使用相同的键，不会重复提交")]


@dataclass
class Claim:
    key_id: int | None = None
    replay: JSONResponse | None = None
    seal_key: str | None = None  # the client's key, in memory only, when the response is to be sealed


def _sealer(key: str) -> AESGCM:
    return AESGCM(hmac.new(key.encode(), b"idempotency-response", hashlib.sha256).digest())


def _seal(key: str, body_json: str) -> str:
    nonce = os.urandom(12)
    return json.dumps({"sealed": base64.b64encode(nonce + _sealer(key).encrypt(nonce, body_json.encode(), None))
                       .decode()})


def _open(key: str, stored: dict[str, Any]) -> Any:
    raw = base64.b64decode(stored["sealed"])
    return json.loads(_sealer(key).decrypt(raw[:12], raw[12:], None))


def request_hash(scope: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


def _mismatch() -> ValidationFailed:
    return ValidationFailed([{"field": "Idempotency-Key", "in": "header", "type": "idempotency_key_reused",
                              "message": "该幂等键已用于内容不同的请求"}], "幂等键已被其他请求使用")


def _replay(row: IdempotencyKey, seal_key: str | None) -> JSONResponse:
    body = row.response_body if seal_key is None or row.response_body is None else _open(seal_key, row.response_body)
    return JSONResponse(body, status_code=row.response_status or 200, headers={"Idempotent-Replayed": "true"})


async def _existing(session: AsyncSession, user_id: int | None, client_hash: str | None,
                    key: str) -> IdempotencyKey | None:
    caller = IdempotencyKey.user_id == user_id if user_id is not None else IdempotencyKey.client_hash == client_hash
    return (await session.execute(
        select(IdempotencyKey).where(caller, IdempotencyKey.key == key).execution_options(populate_existing=True)
    )).scalar_one_or_none()


def _judge(row: IdempotencyKey, digest: str, seal_key: str | None) -> Claim:
    if row.request_hash != digest:
        raise _mismatch()
    if row.state != KeyState.done:
        raise RequestInFlight()
    return Claim(replay=_replay(row, seal_key))


def _lock_key(caller: str, key: str) -> int:
    """The key's advisory lock, a signed 64-bit number (two keys sharing one would only answer 409 early)."""
    digest = hashlib.sha256(f"idempotency\n{caller}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_KEY_COLUMNS = ("user_id", "client_hash", "key", "scope", "request_hash", "state", "created_at")
# Built once: run on every keyed submission, so SQLAlchemy reuses their cache keys. The claim inserts the
# key only if the lock is ours and no committed row has it (ON CONFLICT looks at the latest commits).
_CLAIM_PG = (pg_insert(IdempotencyKey).from_select(
    list(_KEY_COLUMNS),
    select(*[bindparam(c, type_=IdempotencyKey.__table__.c[c].type) for c in _KEY_COLUMNS])
    .where(func.pg_try_advisory_xact_lock(bindparam("lock_key", type_=BigInteger))))
    .on_conflict_do_nothing().returning(IdempotencyKey.id))


def _complete(dialect: str) -> Any:
    # The response arrives as JSON text, serialized once for the client and for the key.
    body = bindparam("response_json", type_=Text)
    return (update(IdempotencyKey).where(IdempotencyKey.id == bindparam("key_id"))
            .values(state=bindparam("state"), response_status=bindparam("response_status"),
                    response_body=cast(body, JSON) if dialect == "postgresql" else body,
                    resource_id=bindparam("resource_id"), completed_at=bindparam("completed_at")))


_COMPLETE = {"postgresql": _complete("postgresql"), "sqlite": _complete("sqlite")}


async def begin(session: AsyncSession, user_id: int | None, key: str | None, scope: str, body: Any, *,
                client_hash: str | None = None, sealed: bool = False) -> Claim:
    """Claim `key` for this request, or return the stored response to replay (Claim.replay). The caller is the
    user, or without one the anonymous client `client_hash`; `sealed` keeps the response unreadable at rest."""
    if not key:
        return Claim()
    if not 1 <= len(key) <= 200:
        raise ValidationFailed([{"field": "Idempotency-Key", "in": "header", "type": "string_too_long",
                                 "message": "幂等键长度应为 1–200 个字符"}])
    if (user_id is None) == (client_hash is None):
        raise ValueError("an idempotency key belongs to a user or to an anonymous client, not both")
    seal_key = key if sealed else None
    if sealed:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    digest = request_hash(scope, body)
    if session.get_bind().dialect.name == "postgresql":
        caller = str(user_id) if user_id is not None else f"client:{client_hash}"
        params = {"user_id": user_id, "client_hash": client_hash, "key": key, "scope": scope,
                  "request_hash": digest, "state": KeyState.in_flight, "created_at": utcnow(),
                  "lock_key": _lock_key(caller, key)}
        key_id = (await (await session.connection()).execute(_CLAIM_PG, params)).scalar_one_or_none()
        if key_id is not None:
            return Claim(key_id=key_id, seal_key=seal_key)
        # Not ours: another request holds the lock (in flight), or the key was used before.
        existing = await _existing(session, user_id, client_hash, key)
        if existing is None:
            raise RequestInFlight()
        return _judge(existing, digest, seal_key)
    row = IdempotencyKey(user_id=user_id, client_hash=client_hash, key=key, scope=scope, request_hash=digest,
                         state=KeyState.in_flight)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
        return Claim(key_id=row.id, seal_key=seal_key)
    except IntegrityError:
        existing = await _existing(session, user_id, client_hash, key)
        assert existing is not None
        return _judge(existing, digest, seal_key)


def completion(session: AsyncSession, claim: Claim, status: int, body_json: str,
               resource_id: int | None) -> list[tuple[Any, dict[str, Any]]]:
    """The statement (and its parameters) that stores the response (JSON text) with the request's own writes, so
    the work and the key commit together; empty without a claimed key. For a caller that writes it within a
    statement of its own (the application submission); others call complete()."""
    if claim.key_id is None:
        return []
    if claim.seal_key is not None:
        body_json = _seal(claim.seal_key, body_json)
    return [(_COMPLETE[session.get_bind().dialect.name],
             {"key_id": claim.key_id, "state": KeyState.done, "response_status": status,
              "response_json": body_json, "resource_id": resource_id, "completed_at": utcnow()})]


async def complete(session: AsyncSession, claim: Claim, status: int, body_json: str, resource_id: int | None) -> None:
    """Store the response (JSON text) with the request's own writes, for callers that flush as usual."""
    conn = await session.connection()
    for stmt, params in completion(session, claim, status, body_json, resource_id):
        await conn.execute(stmt, params)

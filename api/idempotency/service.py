"""Idempotency-Key for writes a client may retry — the one idempotency kernel: the same key and body give the
stored response (with `Idempotent-Replayed: true`), the same key with another body is 422
`idempotency_key_reused`, a key whose first request is still running is 409 `idempotency_in_flight`. Keys are
1–200 characters, per owner: a signed-in user (`begin(session, user_id, …)`) or an anonymous client named by
the caller (`begin(session, "ip:<hash>", …)`).

The key is claimed, and its response stored, in the request's own transaction: the work and the key
commit together, and a request that fails leaves no trace of either. So a committed key is always complete,
and a key in flight is one whose request has not committed yet. On PostgreSQL the claim also takes a
transaction-level advisory lock on the key, without waiting: a concurrent retry that cannot take it answers
409 at once instead of queueing behind the first. On SQLite writers are serialized (BEGIN IMMEDIATE), so the
second request only starts once the first has committed or rolled back.

A response that holds a secret (an anonymous letter's 查询码) is stored sealed (`begin(..., seal=True)`):
encrypted under a key derived from the Idempotency-Key itself, which the database never holds, so only the
client's retry can open it."""

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, BigInteger, Text, bindparam, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import utcnow
from api.errors import Conflict, ValidationFailed
from api.idempotency.models import IdempotencyKey, KeyState

MAX_KEY_LENGTH = 200


class RequestInFlight(Conflict):
    code = "idempotency_in_flight"
    title = "相同幂等键的请求正在处理中，请稍后重试"


@dataclass
class Claim:
    """What begin() decided: a claimed key to complete (key_id), or a stored response to replay."""

    key_id: int | None = None
    replay: JSONResponse | None = None
    replay_body: Any = None  # the stored response body, decoded (and opened, if sealed)
    seal_with: str | None = None  # the client's key, when the response is to be stored sealed


def request_hash(scope: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


def owner_of(owner: int | str) -> str:
    """A user id as the key's owner ("user:<id>"); an anonymous client's name as given."""
    return f"user:{owner}" if isinstance(owner, int) else owner


def _mismatch() -> ValidationFailed:
    return ValidationFailed([{"field": "Idempotency-Key", "in": "header", "type": "idempotency_key_reused",
                              "message": "该幂等键已用于内容不同的请求"}], "幂等键已被其他请求使用")


def _sealer(key: str) -> AESGCM:
    return AESGCM(hmac.new(key.encode(), b"idempotency-response", hashlib.sha256).digest())


def _seal(key: str, body_json: str) -> str:
    nonce = os.urandom(12)
    sealed = _sealer(key).encrypt(nonce, body_json.encode(), None)
    return json.dumps({"sealed": base64.b64encode(nonce + sealed).decode()})


def _open(key: str, stored: dict[str, Any]) -> Any:
    raw = base64.b64decode(stored["sealed"])
    return json.loads(_sealer(key).decrypt(raw[:12], raw[12:], None))


def _replay(row: IdempotencyKey, key: str) -> Claim:
    body = _open(key, row.response_body or {}) if row.sealed else row.response_body
    return Claim(replay=JSONResponse(body, status_code=row.response_status or 200,
                                     headers={"Idempotent-Replayed": "true"}), replay_body=body)


async def _existing(session: AsyncSession, owner: str, key: str) -> IdempotencyKey | None:
    return (await session.execute(
        select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )).scalar_one_or_none()


def _judge(row: IdempotencyKey, digest: str, key: str) -> Claim:
    if row.request_hash != digest:
        raise _mismatch()
    if row.state != KeyState.done:
        raise RequestInFlight()
    return _replay(row, key)


def _lock_key(owner: str, key: str) -> int:
    """The key's advisory lock, a signed 64-bit number (two keys sharing one would only answer 409 early)."""
    digest = hashlib.sha256(f"idempotency\n{owner}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_KEY_COLUMNS = ("owner", "user_id", "key", "scope", "request_hash", "state", "sealed", "created_at")
# Built once: run on every keyed submission, so SQLAlchemy reuses their cache keys. The claim inserts the
# key only if the lock is ours and no committed row has it (ON CONFLICT looks at the latest commits).
_CLAIM_PG = (pg_insert(IdempotencyKey).from_select(
    list(_KEY_COLUMNS),
    select(*[bindparam(c, type_=IdempotencyKey.__table__.c[c].type) for c in _KEY_COLUMNS])
    .where(func.pg_try_advisory_xact_lock(bindparam("lock_key", type_=BigInteger))))
    .on_conflict_do_nothing(index_elements=["owner", "key"]).returning(IdempotencyKey.id))


def _complete(dialect: str) -> Any:
    # The response arrives as JSON text, serialized once for the client and for the key.
    body = bindparam("response_json", type_=Text)
    return (update(IdempotencyKey).where(IdempotencyKey.id == bindparam("key_id"))
            .values(state=bindparam("state"), response_status=bindparam("response_status"),
                    response_body=cast(body, JSON) if dialect == "postgresql" else body,
                    resource_id=bindparam("resource_id"), completed_at=bindparam("completed_at")))


_COMPLETE = {"postgresql": _complete("postgresql"), "sqlite": _complete("sqlite")}


async def begin(session: AsyncSession, owner: int | str, key: str | None, scope: str, body: Any, *,
                seal: bool = False) -> Claim:
    """Claim `key` for this request, or return the stored response to replay (Claim.replay). `owner` is the
    signed-in user's id or an anonymous client's name; `seal` stores the response sealed (see above)."""
    if not key:
        return Claim()
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed([{"field": "Idempotency-Key", "in": "header", "type": "string_too_long",
                                 "message": f"幂等键长度应为 1–{MAX_KEY_LENGTH} 个字符"}])
    name = owner_of(owner)
    user_id = owner if isinstance(owner, int) else None
    digest = request_hash(scope, body)
    seal_with = key if seal else None
    if seal:  # the key opens the sealed response, so the database keeps only its digest
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    if session.get_bind().dialect.name == "postgresql":
        params = {"owner": name, "user_id": user_id, "key": key, "scope": scope, "request_hash": digest,
                  "state": KeyState.in_flight, "sealed": seal, "created_at": utcnow(),
                  "lock_key": _lock_key(name, key)}
        key_id = (await (await session.connection()).execute(_CLAIM_PG, params)).scalar_one_or_none()
        if key_id is not None:
            return Claim(key_id=key_id, seal_with=seal_with)
        # Not ours: another request holds the lock (in flight), or the key was used before.
        existing = await _existing(session, name, key)
        if existing is None:
            raise RequestInFlight()
        return _judge(existing, digest, seal_with or key)
    row = IdempotencyKey(owner=name, user_id=user_id, key=key, scope=scope, request_hash=digest,
                         state=KeyState.in_flight, sealed=seal)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
        return Claim(key_id=row.id, seal_with=seal_with)
    except IntegrityError:
        existing = await _existing(session, name, key)
        assert existing is not None
        return _judge(existing, digest, seal_with or key)


def completion(session: AsyncSession, claim: Claim, status: int, body_json: str,
               resource_id: int | None) -> list[tuple[Any, dict[str, Any]]]:
    """The statement (and its parameters) that stores the response (JSON text) with the request's own writes, so
    the work and the key commit together; empty without a claimed key. For a caller that writes it within a
    statement of its own (the application submission); others call complete()."""
    if claim.key_id is None:
        return []
    stored = _seal(claim.seal_with, body_json) if claim.seal_with else body_json
    return [(_COMPLETE[session.get_bind().dialect.name],
             {"key_id": claim.key_id, "state": KeyState.done, "response_status": status,
              "response_json": stored, "resource_id": resource_id, "completed_at": utcnow()})]


async def complete(session: AsyncSession, claim: Claim, status: int, body: Any, resource_id: int | None) -> None:
    """Store the response for the claimed key (a no-op without one). `body`: JSON text, or a JSON-able value."""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    conn = await session.connection()
    for stmt, params in completion(session, claim, status, text, resource_id):
        await conn.execute(stmt, params)

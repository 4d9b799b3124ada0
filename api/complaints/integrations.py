"""The places this domain leans on kernels: files (api/files), notifications (api/notifications) and
idempotency. Each is one function so that switching to a kernel is a one-line change."""

import base64
import hashlib
import hmac
import json
import os
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import UploadFile
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.complaints.exceptions import IdempotencyKeyReused
from api.complaints.models import ComplaintIdempotency
from api.database import utcnow
from api.files import service as files
from api.files.models import Attachment
from api.logs import get_logger
from api.notifications import service as notifications

log = get_logger("api.complaints")


async def store_attachment(session: AsyncSession, upload: UploadFile, uploaded_by_id: int | None,
                           owner_type: str) -> Attachment:
    """Check size (413) and type (415) and keep the bytes in the files kernel. The kernel row's owner_id is 0
    until the caller has flushed its own row and sets ``owner_id`` to that row's id."""
    return await files.store_upload(session, upload, owner_type, None, uploaded_by_id)


async def notify(session: AsyncSession, user_id: int, title: str, body: str, link: str | None = None,
                 object_type: str | None = None, object_id: int | None = None) -> None:
    """Put a message in a staff member's in-app inbox."""
    await notifications.notify(session, user_id, title, body, link=link, object_type=object_type,
                               object_id=object_id)


IDEMPOTENCY_TTL = timedelta(hours=24)


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _sealer(key: str) -> AESGCM:
    """The receipt holds the plain 查询码, so it is kept sealed under a key derived from the
    Idempotency-Key: the database never holds the code, and only the client's retry can open it."""
    return AESGCM(hmac.new(key.encode(), b"complaint-receipt", hashlib.sha256).digest())


def _seal(key: str, response: dict[str, Any]) -> dict[str, Any]:
    nonce = os.urandom(12)
    sealed = _sealer(key).encrypt(nonce, json.dumps(response, ensure_ascii=False).encode(), None)
    return {"sealed": base64.b64encode(nonce + sealed).decode()}


def _open(key: str, stored: dict[str, Any]) -> dict[str, Any]:
    raw = base64.b64decode(stored["sealed"])
    result: dict[str, Any] = json.loads(_sealer(key).decrypt(raw[:12], raw[12:], None))
    return result


async def idempotent_replay(session: AsyncSession, scope: str, key: str, payload: Any) -> dict[str, Any] | None:
    """The stored response for a repeated key with the same body; 409 if the key was used for another body."""
    now = utcnow()
    await session.execute(delete(ComplaintIdempotency).where(ComplaintIdempotency.expires_at < now))
    row = (await session.execute(select(ComplaintIdempotency).where(
        ComplaintIdempotency.scope == scope, ComplaintIdempotency.key == _key_digest(key)))).scalar_one_or_none()
    if row is None or row.response is None:
        return None
    if row.fingerprint != fingerprint(payload):
        raise IdempotencyKeyReused()
    return _open(key, row.response)


async def idempotent_store(session: AsyncSession, scope: str, key: str, payload: Any, complaint_id: int,
                           response: dict[str, Any]) -> None:
    now = utcnow()
    session.add(ComplaintIdempotency(scope=scope, key=_key_digest(key), fingerprint=fingerprint(payload),
                                     complaint_id=complaint_id, response=_seal(key, response), created_at=now,
                                     expires_at=now + IDEMPOTENCY_TTL))
    await session.flush()

"""The three places this domain leans on kernels that are still landing (files, notifications,
idempotency). Each is one function so that switching to the kernel is a one-line change."""

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import puremagic
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import UploadFile
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.complaints.exceptions import IdempotencyKeyReused
from api.complaints.models import ComplaintIdempotency
from api.config import get_settings
from api.database import utcnow
from api.errors import PayloadTooLarge, UnsupportedMediaType
from api.logs import get_logger
from api.notifications import service as notifications

log = get_logger("api.complaints")

ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
}
# Office files are zip/OLE containers; the sniffer names the container, which is what we check.
_SNIFFED = {"pdf": {".pdf"}, "png": {".png"}, "jpg": {".jpg", ".jpeg"}, "jpeg": {".jpg", ".jpeg"},
            "docx": {".docx", ".zip"}, "xlsx": {".xlsx", ".zip"}, "doc": {".doc", ".xls", ".ppt", ".msi"},
            "xls": {".doc", ".xls", ".ppt", ".msi"}}


@dataclass(frozen=True)
class StoredFile:
    attachment_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str


async def store_attachment(session: AsyncSession, upload: UploadFile, uploaded_by_id: int | None) -> StoredFile:
    """Check size (413) and type (415) and keep the bytes content-addressed under var/files."""
    settings = get_settings()
    data = await upload.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"附件不能超过 {settings.max_upload_bytes // (1024 * 1024)} MB")
    name = (upload.filename or "附件").replace("/", "_").replace("\\", "_")[-200:]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise UnsupportedMediaType("仅支持 PDF、图片、Word、Excel 和文本文件")
    if ext in _SNIFFED:
        try:
            sniffed = {m.extension for m in puremagic.magic_string(data)}
        except puremagic.PureError:
            sniffed = set()
        if not sniffed & _SNIFFED[ext]:
            raise UnsupportedMediaType("文件内容与扩展名不符")
    elif b"\x00" in data[:4096]:
        raise UnsupportedMediaType("文本文件中含有二进制内容")
    digest = hashlib.sha256(data).hexdigest()
    path = settings.files_dir / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return StoredFile(None, name, ALLOWED_TYPES[ext], len(data), digest)


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

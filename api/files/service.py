"""Attachments: stored content-addressed under settings.files_dir, typed from their bytes.
Who may upload or download is the owning domain's decision; this module only stores and serves."""

import fcntl
import hashlib
import io
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from api.config import get_settings
from api.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from api.files.models import Attachment
from api.files.types import BY_EXTENSION, KINDS, FileKind, sniff

CHUNK = 1024 * 1024
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
# Bidirectional controls make "invoice\u202Efdp.exe" display as "invoiceexe.pdf": removed, not replaced, so the
# name shown is the name stored (and the extension checked is the one a reader sees).
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def sanitize_filename(name: str | None) -> str:
    """A display name safe on any disk and in any header: no path, no control or reserved characters."""
    name = _BIDI.sub("", unicodedata.normalize("NFC", name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name:
        return "file"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[: 200 - len(ext)] + "." + ext
    return name[:200]


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def check_type(filename: str, head: bytes) -> FileKind:
    """415 unless the name's extension is allowed and the content is that kind of file."""
    ext = extension(filename)
    claimed = BY_EXTENSION.get(ext)
    allowed = "、".join(k.name for k in KINDS)
    if claimed is None:
        raise UnsupportedMediaType(f"不支持的附件类型“.{ext or '无扩展名'}”，仅支持：{allowed}")
    if claimed not in sniff(head):
        raise UnsupportedMediaType(f"文件内容与扩展名“.{ext}”不符")
    return claimed


def blob_path(sha256: str) -> Path:
    return get_settings().files_dir / sha256[:2] / sha256[2:4] / sha256


def _spool(upload: UploadFile, limit: int) -> tuple[str, int, bytes, Path]:
    """Copy the upload to a temp file beside the store, hashing as it goes; 413 past the limit."""
    store = get_settings().files_dir
    store.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=store, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.file.seek(0)
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"附件不能超过 {limit // (1024 * 1024) or 1} MB")
                if len(head) < 4 * CHUNK:
                    head += chunk[: 4 * CHUNK - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size, head, tmp


# A blob no row names is removed only once it is this old: the request that wrote it (or, finding it there,
# touched it) commits its row well within that time.
BLOB_GRACE_SECONDS = 3600.0


@contextmanager
def _store_lock(exclusive: bool) -> Iterator[None]:
    """Writers of blobs share the store; removing one takes it alone, so a blob is never removed between an upload
    finding it present and refreshing its time (every API process and the worker, on one host's disk)."""
    store = get_settings().files_dir
    store.mkdir(parents=True, exist_ok=True)
    with open(store / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _commit_blob(sha256: str, tmp: Path) -> None:
    target = blob_path(sha256)
    with _store_lock(exclusive=False):
        if target.exists():
            os.utime(target)  # in use again: not removable for another BLOB_GRACE_SECONDS
            tmp.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)


async def store_upload(
    session: AsyncSession, upload: UploadFile, owner_type: str, owner_id: int | None, uploaded_by_id: int | None
) -> Attachment:
    """Check size (413) and type (415), write the bytes once per content, add the row (flushed).
    owner_id None stores an upload not yet claimed by its case (kept as 0 until it is)."""
    filename = sanitize_filename(upload.filename)
    sha, size, head, tmp = await run_in_threadpool(_spool, upload, get_settings().max_upload_bytes)
    try:
        if size == 0:
            raise UnsupportedMediaType("附件为空文件")
        kind = check_type(filename, head)
        await run_in_threadpool(_commit_blob, sha, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    row = Attachment(sha256=sha, size=size, content_type=kind.content_type, filename=filename,
                     owner_type=owner_type, owner_id=owner_id or 0, uploaded_by_id=uploaded_by_id)
    session.add(row)
    await session.flush()
    return row


async def store_bytes(session: AsyncSession, data: bytes, filename: str, owner_type: str, owner_id: int,
                      uploaded_by_id: int | None = None) -> Attachment:
    """Store generated content (form templates, result documents) exactly like an upload."""
    return await store_upload(session, UploadFile(io.BytesIO(data), filename=filename), owner_type, owner_id,
                              uploaded_by_id)


async def list_for(session: AsyncSession, owner_type: str, owner_ids: list[int]) -> list[Attachment]:
    if not owner_ids:
        return []
    rows = await session.execute(
        select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(owner_ids))
        .order_by(Attachment.id))
    return list(rows.scalars())


async def get_for(session: AsyncSession, owner_type: str, owner_id: int, attachment_id: int) -> Attachment:
    row = (await session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_type == owner_type, Attachment.owner_id == owner_id,
    ))).scalar_one_or_none()
    if row is None:
        raise NotFound("附件不存在")
    return row


async def copy_to(session: AsyncSession, rows: list[Attachment], owner_type: str, owner_id: int) -> None:
    """Attach the same stored bytes to another owner (a new row; the blob is shared)."""
    for a in rows:
        session.add(Attachment(sha256=a.sha256, size=a.size, content_type=a.content_type, filename=a.filename,
                               owner_type=owner_type, owner_id=owner_id, uploaded_by_id=a.uploaded_by_id))
    await session.flush()


async def delete(session: AsyncSession, row: Attachment) -> None:
    """Remove the row; the blob stays (other rows may share it, and history may point to it)."""
    await session.delete(row)
    await session.flush()


async def discard_unclaimed(session: AsyncSession, owner_types: list[str], before: datetime) -> set[str]:
    """Delete the rows of uploads still waiting, since before `before`, for the case that was to claim them (an
    application or a form given up); returns their blobs' digests for remove_unreferenced once this commits."""
    if not owner_types:
        return set()
    rows = await session.execute(sql_delete(Attachment).where(
        Attachment.owner_type.in_(owner_types), Attachment.created_at < before).returning(Attachment.sha256))
    return set(rows.scalars())


async def remove_unreferenced(session: AsyncSession, digests: set[str]) -> int:
    """Remove the blobs among `digests` that no attachment row names any more (call after the deleting transaction
    committed); returns how many files were removed."""
    if not digests:
        return 0
    named = set((await session.execute(select(Attachment.sha256).where(Attachment.sha256.in_(digests)))).scalars())
    return await run_in_threadpool(_remove_blobs, sorted(digests - named))


def _remove_blobs(digests: list[str]) -> int:
    removed = 0
    with _store_lock(exclusive=True):
        for sha in digests:
            path = blob_path(sha)
            try:
                if time.time() - path.stat().st_mtime < BLOB_GRACE_SECONDS:
                    continue
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def content_disposition(filename: str, inline: bool = False) -> str:
    """RFC 6266 with an ASCII fallback and the exact name as RFC 5987 filename*."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in filename) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(row: Attachment) -> FileResponse:
    path = blob_path(row.sha256)
    if not path.is_file():
        raise NotFound("附件文件缺失")
    inline = row.content_type in ("application/pdf", "image/jpeg", "image/png")
    return FileResponse(
        path, media_type=row.content_type,
        headers={
            "Content-Disposition": content_disposition(row.filename, inline),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=0, must-revalidate",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )

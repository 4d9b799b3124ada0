"""Minimal attachment store (content-addressed under settings.files_dir, typed from the bytes).
Stand-in for the shared api/files kernel; same names and table, so the two merge into one."""

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote

import puremagic
from fastapi import UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from api.config import get_settings
from api.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from api.files.models import Attachment

CHUNK = 1024 * 1024
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sanitize_filename(name: str | None) -> str:
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[-200:] or "file"


def _sniff(head: bytes) -> set[str]:
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(head)) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return set()
        if "[Content_Types].xml" in names:
            return {"docx"} if any(n.startswith("word/") for n in names) else (
                {"xlsx"} if any(n.startswith("xl/") for n in names) else set())
        return set()
    try:
        found = {m.extension.lstrip(".").lower() for m in puremagic.magic_string(head[:8192])}
    except (puremagic.PureError, ValueError):
        return set()
    return found & {"pdf", "jpg", "jpeg", "png"}


def check_type(filename: str, head: bytes) -> str:
    """The content type, or 415 unless the extension is allowed and the bytes are that kind of file."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    if ext not in TYPES:
        raise UnsupportedMediaType(f"不支持的附件类型“.{ext or '无扩展名'}”，仅支持 PDF、JPG、PNG、DOCX、XLSX")
    found = _sniff(head)
    if not ({ext} & found or (ext in ("jpg", "jpeg") and found & {"jpg", "jpeg"})):
        raise UnsupportedMediaType(f"文件内容与扩展名“.{ext}”不符")
    return TYPES[ext]


def blob_path(sha256: str) -> Path:
    return get_settings().files_dir / sha256[:2] / sha256[2:4] / sha256


def _spool(upload: UploadFile, limit: int) -> tuple[str, int, bytes, Path]:
    store = get_settings().files_dir
    store.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
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


def _commit_blob(sha256: str, tmp: Path) -> None:
    target = blob_path(sha256)
    if target.exists():
        tmp.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)


async def store_upload(session: AsyncSession, upload: UploadFile, owner_type: str, owner_id: int | None,
                       uploaded_by_id: int | None) -> Attachment:
    """Check size (413) and type (415), write the bytes once per content, add the row (flushed)."""
    filename = sanitize_filename(upload.filename)
    sha, size, head, tmp = await run_in_threadpool(_spool, upload, get_settings().max_upload_bytes)
    try:
        if size == 0:
            raise UnsupportedMediaType("附件为空文件")
        content_type = check_type(filename, head)
        await run_in_threadpool(_commit_blob, sha, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    row = Attachment(sha256=sha, size=size, content_type=content_type, filename=filename,
                     owner_type=owner_type, owner_id=owner_id or 0, uploaded_by_id=uploaded_by_id)
    session.add(row)
    await session.flush()
    return row


async def store_bytes(session: AsyncSession, data: bytes, filename: str, owner_type: str, owner_id: int,
                      uploaded_by_id: int | None = None) -> Attachment:
    """Store generated content (demo templates, result documents) like an upload."""
    return await store_upload(session, UploadFile(io.BytesIO(data), filename=filename), owner_type, owner_id,
                              uploaded_by_id)


def content_disposition(filename: str, inline: bool = False) -> str:
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in filename) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(row: Attachment) -> FileResponse:
    path = blob_path(row.sha256)
    if not path.is_file():
        raise NotFound("附件文件缺失")
    inline = row.content_type.startswith(("image/", "application/pdf"))
    return FileResponse(path, media_type=row.content_type, headers={
        "Content-Disposition": content_disposition(row.filename, inline),
        "Cache-Control": "private, max-age=0, must-revalidate",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })

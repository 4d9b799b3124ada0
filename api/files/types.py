"""What a file is, decided from its bytes (puremagic plus container checks), never from its name."""

import io
import zipfile
from dataclasses import dataclass

import puremagic


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "application/pdf", ("pdf",))
OFD = FileKind("ofd", "application/ofd", ("ofd",))
DOC = FileKind("doc", "application/msword", ("doc",))
XLS = FileKind("xls", "application/vnd.ms-excel", ("xls",))
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
JPEG = FileKind("jpg", "image/jpeg", ("jpg", "jpeg"))
PNG = FileKind("png", "image/png", ("png",))

KINDS = (PDF, OFD, DOC, XLS, DOCX, XLSX, JPEG, PNG)
BY_EXTENSION = {ext: k for k in KINDS for ext in k.extensions}
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _zip_kind(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "OFD.xml" in names:
        return OFD
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def _ole2_kinds(data: bytes) -> tuple[FileKind, ...]:
    """Word and Excel 97-2003 share the OLE2 container; the stream names tell them apart."""
    if not data.startswith(OLE2_MAGIC):
        return ()
    if "WordDocument".encode("utf-16-le") in data:
        return (DOC,)
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return (XLS,)
    return (DOC, XLS)


def sniff(data: bytes) -> tuple[FileKind, ...]:
    """Every allowed kind the bytes could be (empty when none)."""
    if data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
        return (kind,) if kind else ()
    ole = _ole2_kinds(data)
    if ole:
        return ole
    try:
        found = {m.extension.lstrip(".").lower() for m in puremagic.magic_string(data[:8192])}
    except (puremagic.PureError, ValueError):
        return ()
    return tuple(k for k in (PDF, JPEG, PNG) if found & set(k.extensions))

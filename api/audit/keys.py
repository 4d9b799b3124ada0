"""The audit log's MAC keys: secrets kept outside the database, so a database writer cannot re-link the chain.

A key file holds 32 random bytes as hex (mode 0600). In production PORTAL_AUDIT_KEY_FILE names the active key
and PORTAL_PREVIOUS_AUDIT_KEY_FILES the keys it replaced; in development keys live in PORTAL_VAR_DIR/keys as
audit-*.key, generated on first use, the newest active. Records name their key by `kid` (a one-way fingerprint),
so rotating means adding a new file: the old keys still verify the records they linked, and are never retired.
"""

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.config import Environment, get_settings

MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AuditKey:
    kid: str
    secret: bytes = b""

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return f"AuditKey(kid={self.kid!r})"


def _load(path: Path) -> AuditKey:
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError as exc:
        raise ValueError(f"{path}: an audit key file holds hex digits only") from exc
    if len(secret) < MIN_KEY_BYTES:
        raise ValueError(f"{path}: an audit key needs at least {MIN_KEY_BYTES} random bytes")
    kid = hashlib.sha256(b"zhengwu-audit-kid\0" + secret).hexdigest()[:16]
    return AuditKey(kid, secret)


def write_audit_key(path: Path) -> None:
    """A new key file, created 0600 (and its directory 0700); refuses to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")


class AuditKeys:
    """The active key links new records; every key, active or previous, verifies."""

    def __init__(self, active: AuditKey, previous: list[AuditKey]) -> None:
        self.active = active
        self.by_kid = {k.kid: k for k in [*previous, active]}

    @classmethod
    def from_files(cls, active: Path, previous: list[Path]) -> "AuditKeys":
        return cls(_load(active), [_load(p) for p in previous])

    @classmethod
    def development(cls, keys_dir: Path) -> "AuditKeys":
        files = sorted(keys_dir.glob("audit-*.key"))
        if not files:
            write_audit_key(keys_dir / f"audit-{datetime.now(UTC):%Y%m%d%H%M%S}.key")
            files = sorted(keys_dir.glob("audit-*.key"))
        return cls.from_files(files[-1], files[:-1])


_keys: dict[tuple[object, ...], AuditKeys] = {}


def get_audit_keys() -> AuditKeys:
    s = get_settings()
    where = (s.audit_key_file, tuple(s.previous_audit_key_files), s.var_dir)
    keys = _keys.get(where)
    if keys is None:
        if s.audit_key_file is not None:
            keys = AuditKeys.from_files(s.audit_key_file, s.previous_audit_key_files)
        elif s.env == Environment.production:
            raise RuntimeError("PORTAL_AUDIT_KEY_FILE is required in production")
        else:
            keys = AuditKeys.development(s.var_dir / "keys")
        _keys[where] = keys
    return keys

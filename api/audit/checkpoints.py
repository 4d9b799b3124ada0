"""Signed checkpoints of the audit chain's head: the part of the protection anyone can verify without a secret.

A checkpoint is a compact JWS (RFC 7515), ES256, signed with the portal's token signing key and naming it by
`kid` in the protected header, so it verifies against GET /.well-known/jwks.json with any JOSE library. Its payload
says: the chain held `count` records, the last one `last_id` with link hash `last_hash`, at `iat`. The linker signs
one when the head has moved and the last checkpoint is older than PORTAL_AUDIT_CHECKPOINT_SECONDS; an auditor can
ask for one at any moment (POST /audit/checkpoints) and keep it. What that does and does not protect is set out
in api/audit/service.py.
"""

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service
from api.audit.models import AuditCheckpoint, AuditHead, AuditRecord
from api.auth.service import get_keyring
from api.auth.tokens import KeyRing
from api.config import get_settings
from api.database import utcnow
from api.logs import get_logger

SUBJECT = "audit-chain"
TYPE = "audit-checkpoint+jwt"
log = get_logger("api.audit")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], keyring: KeyRing) -> str:
    assert keyring.active.private_pem is not None
    private: Any = serialization.load_pem_private_key(keyring.active.private_pem, password=None)
    header = {"alg": "ES256", "kid": keyring.active.kid, "typ": TYPE}
    signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()))
    r, s = decode_dss_signature(private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class UnknownKey(Exception):
    """Signed by a key that is not in the JWKS (any more): cannot be checked either way."""


class BadCheckpoint(Exception):
    pass


def verify(token: str, keyring: KeyRing) -> dict[str, Any]:
    """The payload of a checkpoint whose signature holds; UnknownKey or BadCheckpoint otherwise."""
    try:
        header_b64, payload_b64, sig_b64 = token.strip().split(".")
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(payload_b64))
        sig = _unb64(sig_b64)
    except (ValueError, TypeError) as exc:
        raise BadCheckpoint("不是有效的检查点（JWS 格式错误）") from exc
    if not isinstance(header, dict) or header.get("alg") != "ES256" or len(sig) != 64:
        raise BadCheckpoint("检查点的签名算法不是 ES256")
    key = keyring.by_kid.get(str(header.get("kid")))
    if key is None:
        raise UnknownKey(str(header.get("kid")))
    public: Any = serialization.load_pem_public_key(key.public_pem)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise BadCheckpoint("检查点签名无效") from exc
    if (not isinstance(claims, dict) or claims.get("sub") != SUBJECT
            or not all(isinstance(claims.get(k), int) for k in ("last_id", "count"))
            or not isinstance(claims.get("last_hash"), str)):
        raise BadCheckpoint("检查点内容不完整")
    return claims


async def sign_checkpoint(session: AsyncSession) -> AuditCheckpoint | None:
    """Sign the chain head as it is now (the caller links first and commits); None if the last checkpoint
    already says the same or the chain is empty."""
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one_or_none()
    if head is None or head.count == 0:
        return None
    last = await latest(session)
    if last is not None and last.last_id == head.last_id:
        return None
    now = utcnow()
    claims = {"iss": get_settings().jwt_issuer, "sub": SUBJECT, "iat": int(now.timestamp()),
              "last_id": head.last_id, "last_hash": head.last_hash, "count": head.count}
    checkpoint = AuditCheckpoint(signed_at=now, last_id=head.last_id, last_hash=head.last_hash, count=head.count,
                                 token=sign(claims, get_keyring()))
    session.add(checkpoint)
    await session.flush()
    # The log goes elsewhere than the database: one more copy a database writer cannot reach.
    log.info("audit_checkpoint", last_id=head.last_id, count=head.count, token=checkpoint.token)
    return checkpoint


async def latest(session: AsyncSession) -> AuditCheckpoint | None:
    stmt = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def checkpoint_if_due(session: AsyncSession) -> AuditCheckpoint | None:
    """The linker's step after each pass: sign when the head moved and the last checkpoint is old enough."""
    last = await latest(session)
    every = timedelta(seconds=get_settings().audit_checkpoint_seconds)
    if last is not None and utcnow() - last.signed_at < every:
        return None
    return await sign_checkpoint(session)


@dataclass
class AuditReport:
    """The chain's report plus what the checkpoints say about it."""

    chain: service.ChainReport
    checkpoints_verified: int = 0
    checkpoints_unverifiable: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.chain.checked, "first_bad_id": self.chain.first_bad_id,
                "problem": self.chain.problem or (self.problems[0] if self.problems else None),
                "checkpoints_verified": self.checkpoints_verified,
                "checkpoints_unverifiable": self.checkpoints_unverifiable}


async def verify_log(session: AsyncSession, external: Iterable[str] = ()) -> AuditReport:
    """Link what is waiting, check every link, then hold the chain against every checkpoint: those stored in the
    database and `external` ones (JWS strings an auditor kept). The caller commits (the linking)."""
    await service.link_all(session)
    await session.flush()
    report = AuditReport(await service.verify_chain(session))
    keyring = get_keyring()
    stored = (await session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id))).scalars().all()
    tokens: list[tuple[str, str, AuditCheckpoint | None]] = [(f"检查点 {c.id}", c.token, c) for c in stored]
    tokens += [(f"外部检查点 {i + 1}", t, None) for i, t in enumerate(external)]
    for name, token, row in tokens:
        try:
            claims = verify(token, keyring)
        except UnknownKey:
            report.checkpoints_unverifiable += 1
            continue
        except BadCheckpoint as exc:
            report.problems.append(f"{name}：{exc}")
            continue
        if row is not None and (row.last_id, row.last_hash, row.count) != (
                claims["last_id"], claims["last_hash"], claims["count"]):
            report.problems.append(f"{name}：数据库中的列与签名内容不符")
            continue
        hash_then = (await session.execute(
            select(AuditRecord.hash).where(AuditRecord.id == claims["last_id"]))).scalar_one_or_none()
        if hash_then is None:
            report.problems.append(f"{name}：所覆盖的记录 {claims['last_id']} 已不存在（日志被截断或回退）")
        elif hash_then != claims["last_hash"]:
            report.problems.append(f"{name}：记录 {claims['last_id']} 与签名时不同（日志被改写）")
        else:
            report.checkpoints_verified += 1
    return report

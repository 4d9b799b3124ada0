from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base


class _Recorded:
    """What an audit record says, in the chain and in the outbox alike."""

    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))


class AuditRecord(_Recorded, Base):
    """Append-only; each row's hash is an HMAC (key `key_id`, kept outside the database) of its content, its
    number and the previous row's hash (see api.audit.service)."""

    __tablename__ = "audit_records"
    __table_args__ = (
        Index("ix_audit_records_object", "object_type", "object_id"),
        Index("ix_audit_records_actor_id", "actor_id"),
        Index("ix_audit_records_action", "action"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))


class AuditHead(Base):
    """One row naming the chain's last record, so deleting the newest records is detected too.
    Writers lock this row, which serializes appends to the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditOutbox(_Recorded, Base):
    """Records committed with their transaction but not yet in the chain (see api.audit.service.record). The
    linker moves them into audit_records, numbered and linked, in order. `mac` (under key `key_id`) is computed by
    the writer, so a row added by someone without the key is chained as a forgery, not as a record."""

    __tablename__ = "audit_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(32))
    mac: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement of the chain head at one moment (api.audit.checkpoints): `token` is a compact JWS
    (ES256, the token signing key's kid in its header) whose payload repeats the columns beside it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    signed_at: Mapped[datetime]
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(Text)

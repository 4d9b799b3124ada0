from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
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
    """Append-only; each row's hash covers its content and the previous row's hash."""

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


class AuditHead(Base):
    """One row naming the chain's last record, so deleting the newest records is detected too.
    Writers lock this row, which serializes appends to the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditOutbox(_Recorded, Base):
    """Records committed with their transaction but not yet in the chain (PostgreSQL under load; see
    api.audit.service.link_outbox). The linker moves them into audit_records, numbered and hashed, in order."""

    __tablename__ = "audit_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime]

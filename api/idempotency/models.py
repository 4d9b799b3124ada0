from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class KeyState(StrEnum):
    in_flight = "in_flight"
    done = "done"


class IdempotencyKey(Base):
    """One client-chosen key per owner (a user, or an anonymous client) and write."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<id>", or an anonymous client's opaque name (e.g. "ip:<hash>").
    owner: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[KeyState] = mapped_column(String(10))
    response_status: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The body is sealed under the client's key (it holds a secret, e.g. a 查询码): only the retry opens it.
    sealed: Mapped[bool] = mapped_column(default=False)
    resource_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completed_at: Mapped[datetime | None]

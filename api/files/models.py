from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class Attachment(Base):
    """One uploaded file attached to any domain object; the bytes live once per sha256 on disk."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner_type_owner_id", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class SearchSynonym(Base):
    """A search term and another way to write it (公车 → 公务用车): a query holding `term` also finds documents
    holding `synonym` in its place. One direction per row; admins add the reverse when it makes sense."""

    __tablename__ = "search_synonyms"
    __table_args__ = (UniqueConstraint("term", "synonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(50), index=True)
    synonym: Mapped[str] = mapped_column(String(50))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

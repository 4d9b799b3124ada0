from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base


class PublicChangeHead(Base):
    """One row: the number and time of the last change to anything an anonymous public read shows (a
    publication, a retraction, a column renamed, a service guide or a letter published). The response cache's
    key on SQLite, Last-Modified of the pages it holds; on PostgreSQL each bump also notifies every worker."""

    __tablename__ = "public_change_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    at: Mapped[datetime | None]

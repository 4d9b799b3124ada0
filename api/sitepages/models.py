from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow
from api.sitepages.states import SitePageSlug


class SitePage(Base):
    """One of the site's own pages as staff last saved it (the body already cleaned against the allow-list)."""

    __tablename__ = "site_pages"

    slug: Mapped[SitePageSlug] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body_html: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

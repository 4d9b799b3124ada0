from datetime import date

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base
from api.visits.states import VisitKind


class PageView(Base):
    """Views of one item on one day (Asia/Shanghai). Only counts: no cookie, address or agent is kept."""

    __tablename__ = "page_views"
    __table_args__ = (Index("ix_page_views_kind_item_id", "kind", "item_id"),
                      Index("ix_page_views_column_id_day", "column_id", "day"))

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[VisitKind] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    column_id: Mapped[int | None]  # a disclosure's column when counted, for views per column
    views: Mapped[int] = mapped_column(default=0)

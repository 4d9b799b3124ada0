from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow
from api.performance.states import Indicator


class PerformanceWeight(Base):
    """The weight an admin gave one indicator (indicators without a row use the default)."""

    __tablename__ = "performance_weights"

    indicator: Mapped[Indicator] = mapped_column(String(30), primary_key=True)
    weight: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

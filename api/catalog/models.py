from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.auth.models import OrgUnit
from api.database import Base, utcnow


class Service(Base):
    """办事事项: the stable identity; the guide and form live in versions."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40), default="")
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    owner_unit: Mapped[OrgUnit] = relationship(lazy="raise", viewonly=True)  # loaded explicitly where needed
    current_version: Mapped[int] = mapped_column(default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ServiceVersion(Base):
    """办事指南 and application form as published at one time; an application keeps its version."""

    __tablename__ = "service_versions"
    __table_args__ = (UniqueConstraint("service_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    promised_days: Mapped[int]
    statutory_days: Mapped[int]
    guide: Mapped[dict[str, Any]] = mapped_column(JSON)
    form: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # 并联审批: the departments whose decisions are all needed (the owner alone when one).
    approval_unit_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.compliance.states import CheckCode, LinkSource, LinkStatus
from api.database import Base, utcnow


class ComplianceSettings(Base):
    """One row: whether the link job may fetch external links, and the host names that are this site."""

    __tablename__ = "compliance_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    outbound_checks: Mapped[bool] = mapped_column(default=False)
    own_hosts: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCheck(Base):
    """One link or attachment of a published item as the last link job found it (the job replaces all rows)."""

    __tablename__ = "compliance_link_checks"
    __table_args__ = (Index("ix_compliance_link_checks_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    source: Mapped[LinkSource] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000))
    external: Mapped[bool] = mapped_column(default=False)
    status: Mapped[LinkStatus] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplianceSnapshot(Base):
    """The number of findings of one check on one day (Asia/Shanghai), kept for the trend chart."""

    __tablename__ = "compliance_snapshots"
    __table_args__ = (UniqueConstraint("day", "check"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    check: Mapped[CheckCode] = mapped_column(String(30))
    findings: Mapped[int]
    failed: Mapped[bool]
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)

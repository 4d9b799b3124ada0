"""Service requests filed through the Open311 façade: the link from Open311's ids and tokens to the application
or letter each became, and what Open311 reports about it that the case itself does not hold (location)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class CaseKind(StrEnum):
    application = "application"
    letter = "letter"


class Open311Request(Base):
    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(32), unique=True)  # the case's tracking number
    token: Mapped[str] = mapped_column(String(40), unique=True)
    case_kind: Mapped[CaseKind] = mapped_column(String(20))
    case_id: Mapped[int]
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(64), index=True)
    service_name: Mapped[str] = mapped_column(String(100))
    agency_responsible: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float | None]
    long: Mapped[float | None]
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

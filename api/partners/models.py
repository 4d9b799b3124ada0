"""Registered API clients (OAuth2 client-credentials), their hashed secrets, and their daily usage."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class Scope(StrEnum):
    disclosures_read = "disclosures:read"
    services_read = "services:read"
    open311 = "open311"
    requests_write = "requests:write"


SCOPE_LABELS = {
    Scope.disclosures_read: "读取政务公开信息与订阅源",
    Scope.services_read: "读取办事指南、信箱与机构",
    Scope.open311: "通过 Open311 接口提交诉求",
    Scope.requests_write: "代群众经本站接口提交来信、投诉、咨询和建议（如 12345 热线、政务服务网）",
}


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    owner_contact: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_limit_per_minute: Mapped[int] = mapped_column(default=120)
    daily_quota: Mapped[int] = mapped_column(default=20000)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiClientSecret(Base):
    """Only the SHA-256 of a secret is kept (it is 256 random bits, not a password: a slow hash buys nothing).
    A rotated-out secret keeps working until `expires_at` (the overlap)."""

    __tablename__ = "api_client_secrets"
    __table_args__ = (Index("ix_api_client_secrets_client", "client_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]


class ApiClientUsage(Base):
    """Requests and errors per client, UTC day and route (the route's path template, not the URL)."""

    __tablename__ = "api_client_usage"

    client_pk: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(200), primary_key=True)
    requests: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)


def scope_list(value: Any) -> list[str]:
    return [str(s) for s in value or []]

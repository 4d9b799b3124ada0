from datetime import date, datetime

from pydantic import BaseModel, Field

from api.partners.models import Scope


class ApiClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="客户端名称，如“市政府门户网站”")
    owner_contact: str = Field(min_length=1, max_length=200, description="负责人及联系方式")
    scopes: list[Scope] = Field(min_length=1, max_length=10)
    rate_limit_per_minute: int = Field(default=120, ge=1, le=100_000)
    daily_quota: int = Field(default=20000, ge=1, le=10_000_000)


class ApiClientUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    owner_contact: str | None = Field(default=None, min_length=1, max_length=200)
    scopes: list[Scope] | None = Field(default=None, min_length=1, max_length=10)
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    daily_quota: int | None = Field(default=None, ge=1, le=10_000_000)
    is_active: bool | None = None


class ApiClientRead(BaseModel):
    id: int
    client_id: str
    name: str
    owner_contact: str
    scopes: list[Scope]
    rate_limit_per_minute: int
    daily_quota: int
    is_active: bool
    created_at: datetime


class ApiClientCredentials(BaseModel):
    """Shown once: only a hash of the secret is kept."""

    client: ApiClientRead
    client_id: str
    client_secret: str = Field(description="只显示这一次，请妥善保存；也用作 Open311 的 api_key")
    previous_secrets_expire_at: datetime | None = Field(
        default=None, description="轮换时：旧密钥在此时刻之前仍然有效")


class RotationIn(BaseModel):
    overlap_hours: int = Field(default=24, ge=0, le=720, description="旧密钥继续有效的小时数")


class UsageRow(BaseModel):
    day: date
    endpoint: str
    requests: int
    errors: int


class UsageRead(BaseModel):
    client_id: str
    days: list[date]
    requests_per_day: list[int]
    errors_per_day: list[int]
    rows: list[UsageRow]

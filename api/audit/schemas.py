from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    action: str
    object_type: str
    object_id: str | None
    summary: dict[str, Any]
    ip: str | None
    request_id: str | None
    hash: str


class ChainReportRead(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None
    problem: str | None

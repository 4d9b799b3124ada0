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
    key_id: str


class ChainReportRead(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None
    problem: str | None
    checkpoints_verified: int
    checkpoints_unverifiable: int


class CheckpointRead(BaseModel):
    """A signed statement of the chain head; `token` is a compact JWS (ES256) verifiable with the public JWKS."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    signed_at: datetime
    last_id: int
    last_hash: str
    count: int
    token: str


class CheckpointsCheck(BaseModel):
    """Checkpoints kept outside the database, to hold the chain against."""

    checkpoints: list[str]

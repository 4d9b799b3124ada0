"""Liveness and readiness."""

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from api.config import ROOT
from api.database import get_engine
from api.errors import ServiceUnavailable, responses

router = APIRouter(tags=["health"])


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    title = "数据库不可用"


class MigrationsPending(ServiceUnavailable):
    code = "migrations_pending"
    title = "数据库迁移未到最新"


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str
    migration: str


def migration_heads() -> set[str]:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return set(ScriptDirectory.from_config(cfg).get_heads())


@router.get("/health")
async def health() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/ready", responses=responses(ServiceUnavailable))
async def ready() -> Ready:
    """The database answers and its schema is at the newest migration."""
    try:
        async with get_engine().connect() as conn:
            current = {r[0] for r in (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()}
    except Exception as exc:  # any driver error means "not ready", never a 500
        raise DatabaseUnavailable(f"数据库连接失败：{type(exc).__name__}") from exc
    heads = migration_heads()
    if current != heads:
        raise MigrationsPending(f"当前 {sorted(current)}，应为 {sorted(heads)}；请运行 make migrate")
    return Ready(status="ready", database="ok", migration=",".join(sorted(current)))

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from api.audit import checkpoints, service
from api.audit.models import AuditCheckpoint, AuditRecord
from api.audit.schemas import AuditRead, ChainReportRead, CheckpointRead
from api.auth.dependencies import AuditorUser
from api.database import SessionDep
from api.errors import Conflict, Forbidden, responses
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.validation import Id

router = APIRouter(prefix="/audit", tags=["audit"], responses=responses(Forbidden))


@router.get("")
async def search_audit(
    request: Request,
    response: Response,
    session: SessionDep,
    _: AuditorUser,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Id | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[AuditRead]:
    """Search the audit log, newest first (auditors only)."""
    await service.link_all(session)  # records committed a moment ago but not yet chained are shown too
    stmt = service.search_query(action, object_type, object_id, actor_id, since, until)
    rows, next_cursor = await keyset_page(session, stmt, [(AuditRecord.id, True)], lambda r: [r.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[AuditRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/verify")
async def verify_audit_chain(session: SessionDep, _: AuditorUser) -> ChainReportRead:
    """Check every link of the chain with its MAC key and hold it against every signed checkpoint; report the
    first record changed, removed or inserted, or the checkpoint the log no longer matches."""
    report = await checkpoints.verify_log(session)
    return ChainReportRead(**report.as_dict())


@router.get("/checkpoints")
async def list_audit_checkpoints(
    request: Request,
    response: Response,
    session: SessionDep,
    _: AuditorUser,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[CheckpointRead]:
    """Signed checkpoints of the chain head, newest first. Each `token` is a compact JWS (ES256, `kid` in its
    header) verifiable with GET /.well-known/jwks.json; keep copies outside the portal to detect truncation."""
    stmt = select(AuditCheckpoint)
    rows, next_cursor = await keyset_page(session, stmt, [(AuditCheckpoint.id, True)], lambda r: [r.id], cursor,
                                          limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[CheckpointRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/checkpoints", responses=responses(Conflict))
async def sign_audit_checkpoint(session: SessionDep, _: AuditorUser) -> CheckpointRead:
    """Link what is waiting and sign the chain head now (or return the checkpoint that already covers it)."""
    await service.link_all(session)
    checkpoint = await checkpoints.sign_checkpoint(session) or await checkpoints.latest(session)
    if checkpoint is None:
        raise Conflict("审计日志还没有记录，无需签署检查点")
    return CheckpointRead.model_validate(checkpoint)

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.audit import service
from api.audit.models import AuditRecord
from api.audit.schemas import AuditRead, ChainReportRead
from api.auth.dependencies import AuditorUser
from api.database import SessionDep
from api.errors import Forbidden, responses
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
    await service.link_outbox(session)  # records committed a moment ago but not yet chained are shown too
    stmt = service.search_query(action, object_type, object_id, actor_id, since, until)
    rows, next_cursor = await keyset_page(session, stmt, [(AuditRecord.id, True)], lambda r: [r.id], cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=[AuditRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/verify")
async def verify_audit_chain(session: SessionDep, _: AuditorUser) -> ChainReportRead:
    """Recompute the hash chain and report the first changed, removed or inserted record."""
    await service.link_outbox(session)
    await session.flush()
    report = await service.verify_chain(session)
    return ChainReportRead(ok=report.ok, checked=report.checked, first_bad_id=report.first_bad_id,
                           problem=report.problem)

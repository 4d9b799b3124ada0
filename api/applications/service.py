"""Applications, the public interface: what other domains and the router use. The use cases live beside it —
access.py (who sees and acts), submission.py (the hot write path and 受理编号), handling.py (受理 … 办结),
views.py (list rows, detail, possible actions), queues.py (queue and 督办), statistics.py."""


from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.access import get, get_by_tracking_no, person, readable_by
from api.applications.exceptions import NotApplicant, NotHandler
from api.applications.handling import (
    accept,
    assign,
    assignees,
    claim,
    decide,
    not_accept,
    request_supplement,
    start,
    supplement,
    withdraw,
)
from api.applications.models import Application
from api.applications.queues import handler_queue, overdue, urgency_order
from api.applications.schemas import ApplicationCreate
from api.applications.states import APPLICATION, OPEN, RATEABLE, ApplicationStatus
from api.applications.statistics import SatisfactionCounter, count_satisfaction_with, statistics
from api.applications.submission import UPLOAD_OWNER, create_tracking_sequences, submit, upload
from api.applications.views import MATERIAL_OWNER, RESULT_OWNER, actions, detail, get_attachment, summaries
from api.auth.principal import Principal
from api.cases import service as cases

__all__ = [
    "APPLICATION",
    "MATERIAL_OWNER",
    "OPEN",
    "RATEABLE",
    "RESULT_OWNER",
    "UPLOAD_OWNER",
    "Application",
    "ApplicationCreate",
    "ApplicationStatus",
    "NotApplicant",
    "NotHandler",
    "SatisfactionCounter",
    "accept",
    "actions",
    "assign",
    "assignees",
    "claim",
    "count_satisfaction_with",
    "create_tracking_sequences",
    "decide",
    "detail",
    "file_for",
    "get",
    "get_attachment",
    "get_by_tracking_no",
    "handler_queue",
    "not_accept",
    "overdue",
    "person",
    "public_states",
    "readable_by",
    "request_supplement",
    "start",
    "statistics",
    "submit",
    "summaries",
    "supplement",
    "upload",
    "urgency_order",
    "withdraw",
]


async def file_for(session: AsyncSession, p: Principal, service_code: str, data: dict[str, object]) -> Application:
    """Submit an application as `p` (a partner's service account): the same form rules and workflow as any."""
    app, _ = await submit(session, p, ApplicationCreate(service_code=service_code, data=data))
    return app


async def public_states(session: AsyncSession, ids: list[int]) -> dict[int, cases.PublicState]:
    return await cases.public_states(session, Application, ids)

"""Applications, the public interface: what other domains and the router use. The use cases live beside it —
access.py (who sees and acts), submission.py (the hot write path and 受理编号), handling.py (受理 … 办结),
views.py (list rows, detail, possible actions), queues.py (queue and 督办), statistics.py."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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
from api.calendar import service as calendar

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
    "PublicState",
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


# ---- for the Open311 façade (api/open311): filing on a partner's behalf and the public status of a case ----


@dataclass(frozen=True)
class PublicState:
    """What may be said about a case to anyone holding its number: no personal data."""

    status: str
    label: str
    is_open: bool
    updated_at: datetime
    deadline_at: datetime | None


async def file_for(session: AsyncSession, p: Principal, service_code: str, data: dict[str, object]) -> Application:
    """Submit an application as `p` (a partner's service account): the same form rules and workflow as any."""
    app, _ = await submit(session, p, ApplicationCreate(service_code=service_code, data=data))
    return app


async def public_states(session: AsyncSession, ids: list[int]) -> dict[int, PublicState]:
    rows = (await session.execute(select(Application.id, Application.status, Application.updated_at)
                                  .where(Application.id.in_(ids)))).all()
    out = {}
    for r in rows:
        clock = await calendar.get_clock(session, APPLICATION.name, r.id)
        deadline = (await calendar.clock_state(session, clock)).deadline_at if clock is not None else None
        status = ApplicationStatus(r.status)
        out[r.id] = PublicState(str(status), APPLICATION.state_labels[status], status in OPEN, r.updated_at,
                                deadline)
    return out

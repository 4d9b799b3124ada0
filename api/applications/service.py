"""Applications, the public interface: what other domains and the router use. The use cases live beside it —
access.py (who sees and acts), submission.py (the hot write path and 受理编号), handling.py (受理 … 办结),
views.py (list rows, detail, possible actions), queues.py (queue and 督办), statistics.py."""

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
from api.applications.states import APPLICATION, OPEN, RATEABLE, ApplicationStatus
from api.applications.statistics import SatisfactionCounter, count_satisfaction_with, statistics
from api.applications.submission import UPLOAD_OWNER, create_tracking_sequences, submit, upload
from api.applications.views import MATERIAL_OWNER, RESULT_OWNER, actions, detail, get_attachment, summaries

__all__ = [
    "APPLICATION",
    "MATERIAL_OWNER",
    "OPEN",
    "RATEABLE",
    "RESULT_OWNER",
    "UPLOAD_OWNER",
    "Application",
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
    "get",
    "get_attachment",
    "get_by_tracking_no",
    "handler_queue",
    "not_accept",
    "overdue",
    "person",
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

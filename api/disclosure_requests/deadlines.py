"""Time-driven steps of 依申请公开, run by the worker's periodic ``due_jobs`` (api/worker.py) next to the
complaint reminders:

* a 补正 notice unanswered by its deadline closes the request as 其他处理 / 逾期不补正 (Art. 30: 视为放弃);
* a 收费通知 unpaid by its deadline closes it as 其他处理 / 逾期未缴费 (国办函〔2020〕109号);
* a consultation of a third party (Art. 32) or another agency (Art. 34) unanswered after its 15 working days
  ends: the clock runs again from the end of the 15th day, and the agency decides without the opinion. Art. 32
  says a third party that does not answer in time leaves the decision to the agency (“逾期未提出意见的，由行政
  机关依照本条例的规定决定是否公开”); the request is not closed, it goes back to the handler with the reply
  period running. Art. 34 sets the same 15 days for another agency; it is treated alike.

Each step goes through the case kernel's transition as the system actor (event row, audit record, notice to the
applicant through the notification outbox); a lapsed consultation also tells the unit's handlers, who must now
decide. A day counts as passed once it is over (Shanghai time), as for the handler's own close. Safe to run any
number of times, and from two workers at once: a request is locked (SKIP LOCKED on PostgreSQL) and moves out of the
waiting state it was selected in."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.auth.models import Role
from api.calendar.workdays import SHANGHAI
from api.cases.reminders import staff_of
from api.database import utcnow
from api.disclosure_requests import service
from api.disclosure_requests.models import DisclosureRequest
from api.disclosure_requests.schemas import DisclosureDueJobsReport
from api.disclosure_requests.states import CONSULT_KIND_LABELS, ConsultKind, RequestAction, RequestStatus
from api.notifications import service as notifications

S, A = RequestStatus, RequestAction


async def _lapsed(session: AsyncSession, status: RequestStatus, due: Any, day: date) -> list[int]:
    """Ids of requests waiting in `status` whose deadline column `due` is before `day`, locked for this run."""
    stmt = (select(DisclosureRequest.id).where(DisclosureRequest.status == status, due.is_not(None), due < day)
            .order_by(DisclosureRequest.id).limit(500))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.execute(stmt)).scalars())


# The waiting states a lapsed deadline closes: (state, its deadline column, the closing action, what the note says).
LAPSES = (
    (S.supplement_requested, "supplement_due_date", A.close_no_supplement,
     "补正期限 {:%Y年%m月%d日} 已过，申请人未补正"),
    (S.fee_notified, "fee_due_date", A.close_unpaid,
     "缴费期限 {:%Y年%m月%d日} 已过，申请人未缴费"),
)


async def run_due_jobs(session: AsyncSession, now: datetime | None = None) -> DisclosureDueJobsReport:
    now = now or utcnow()
    day = service.today(now)
    closed = dict.fromkeys((action for _, _, action, _ in LAPSES), 0)
    consultations = 0
    for status, due_column, action, note in LAPSES:
        for rid in await _lapsed(session, status, getattr(DisclosureRequest, due_column), day):
            r = await service.load(session, rid)
            await service.lapse(session, SYSTEM, r, action, now, note="：" + note.format(getattr(r, due_column)))
            closed[action] += 1
    for rid in await _lapsed(session, S.consulting, DisclosureRequest.consult_due_date, day):
        r = await service.load(session, rid)
        assert r.consult_due_date is not None and r.consult_kind is not None
        # The 15 working days are not counted in the reply period; the days after them are.
        end_of_period = datetime.combine(r.consult_due_date, time(23, 59, 59), SHANGHAI)
        label = CONSULT_KIND_LABELS[r.consult_kind]
        article = "第三十二条" if r.consult_kind == ConsultKind.third_party else "第三十四条"
        note = (f"{label}（{r.consult_party}）至 {r.consult_due_date:%Y年%m月%d日} 未提出意见，"
                f"由本机关依照条例{article}的规定决定是否公开，答复期限恢复计算")
        await service.resume_after_consultation(session, SYSTEM, r, min(now, end_of_period), now, note)
        # The applicant hears through the transition; the unit's handlers must now decide, so they are told too.
        for user_id in await staff_of(session, r.unit_id, (Role.handler,)):
            await notifications.notify(
                session, user_id, f"政府信息公开申请 {r.tracking_no}：征求意见期满", note + "，请及时作出答复。",
                f"/workspace/disclosure-requests/{r.id}", "disclosure_request", r.id, kind="deadline_reminder",
                event=f"disclosure_request.{A.end_consultation.value}")
        consultations += 1
    return DisclosureDueJobsReport(closed_no_supplement=closed[A.close_no_supplement],
                                   closed_unpaid=closed[A.close_unpaid],
                                   consultations_ended=consultations)

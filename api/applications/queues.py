"""The handlers' queue (by urgency) and the leaders' 督办 list."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select

from api.applications.models import Application, Approval
from api.applications.states import APPLICATION, DECIDABLE, OPEN, Decision
from api.auth.models import Role
from api.auth.principal import Principal
from api.calendar.models import ClockStatus, DeadlineClock
from api.cases import service as cases
from api.database import utcnow


def handler_queue(p: Principal) -> Select[Any]:
    """Open cases owned by the handler's units, and cases awaiting a decision from them."""
    if not p.scope_paths(Role.handler):
        return select(Application).where(false())
    awaiting = exists().where(Approval.application_id == Application.id,
                              cases.in_units_under(Approval.org_unit_id, p, Role.handler),
                              Approval.decision == Decision.pending)
    return select(Application).where(or_(
        and_(cases.in_units_under(Application.owner_unit_id, p, Role.handler), Application.status.in_(OPEN)),
        and_(awaiting, Application.status.in_(DECIDABLE))))


def urgency_order(stmt: Select[Any]) -> tuple[Select[Any], Any]:
    """Join the clock and expose the deadline (paused and unstarted cases last) for keyset sorting."""
    far = datetime(9999, 1, 1, tzinfo=UTC)
    due = func.coalesce(DeadlineClock.deadline_at, far)
    stmt = stmt.outerjoin(DeadlineClock, cases.clock_join(APPLICATION, Application.id)).add_columns(due)
    return stmt, due


def overdue(p: Principal, now: datetime | None = None) -> Select[Any]:
    """督办: running clocks past their deadline in the units a leader or handler covers."""
    return (select(Application).join(DeadlineClock, cases.clock_join(APPLICATION, Application.id))
            .where(cases.in_units_under(Application.owner_unit_id, p, Role.leader, Role.handler),
                   DeadlineClock.status == ClockStatus.running, DeadlineClock.deadline_at < (now or utcnow())))

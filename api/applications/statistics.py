"""Counts by state, on-time rate, average working days and satisfaction, per service and department.
Satisfaction comes from whichever domain rates applications (好差评, api/ratings), which registers its
counter here: applications never import ratings."""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.applications.models import Application
from api.applications.schemas import ApplicationStatsRow
from api.applications.states import ApplicationStatus
from api.auth.models import Role
from api.auth.principal import Principal
from api.cases import service as cases
from api.catalog import service as catalog

S = ApplicationStatus
DECIDED = frozenset({S.completed, S.refused})  # 办结 or 不予批准: an outcome, timed by the clock
# (session, conditions on Application) → {(service_id, unit_id): (valid ratings, satisfied)}
SatisfactionCounter = Callable[[AsyncSession, list[ColumnElement[bool]]],
                               Awaitable[dict[tuple[int, int], tuple[int, int]]]]
_counters: list[SatisfactionCounter] = []


def count_satisfaction_with(counter: SatisfactionCounter) -> None:
    """Register the function that counts ratings of the applications matching some conditions."""
    if counter not in _counters:
        _counters.append(counter)


def _rate(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


async def statistics(
    session: AsyncSession, p: Principal, since: datetime | None,
    until: datetime | None,
) -> tuple[ApplicationStatsRow, list[ApplicationStatsRow], list[ApplicationStatsRow]]:
    """Counts by state, on-time rate, average working days and satisfaction, per service and department."""
    where: list[ColumnElement[bool]] = [cases.in_units_under(Application.owner_unit_id, p, Role.leader, Role.handler)]
    if since:
        where.append(Application.submitted_at >= since)
    if until:
        where.append(Application.submitted_at < until)
    rows = (await session.execute(
        select(Application.service_id, Application.owner_unit_id, Application.status, func.count(),
               func.sum(func.coalesce(Application.used_working_days, 0)),
               func.count(Application.used_working_days),
               func.sum(case((Application.on_time.is_(True), 1), else_=0)))
        .where(*where).group_by(Application.service_id, Application.owner_unit_id, Application.status))).all()
    rated: dict[tuple[int, int], tuple[int, int]] = {}
    for counter in _counters:
        for pair, (n, satisfied) in (await counter(session, where)).items():
            before = rated.get(pair, (0, 0))
            rated[pair] = (before[0] + n, before[1] + satisfied)
    services = {s.id: s for s in (await session.execute(select(catalog.Service))).scalars()}
    units = await catalog.units_by_id(session, {r[1] for r in rows} | {k[1] for k in rated})
    acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {
        "by_status": defaultdict(int), "total": 0, "decided": 0, "on_time": 0, "days": 0, "timed": 0,
        "ratings": 0, "satisfied": 0})

    def keys(service_id: int, unit_id: int) -> list[tuple[str, str]]:
        s = services[service_id]
        return [("total", "全部"), ("service", f"{s.code}|{s.name}"), ("unit", f"{unit_id}|{units[unit_id].name}")]

    for service_id, unit_id, status, n, days, timed, on_time in rows:
        for k in keys(service_id, unit_id):
            a = acc[k]
            a["by_status"][status] += n
            a["total"] += n
            if status in DECIDED:
                a["decided"] += n
                a["on_time"] += int(on_time or 0)
                a["days"] += int(days or 0)
                a["timed"] += int(timed or 0)
    for (service_id, unit_id), (n, satisfied) in rated.items():
        for k in keys(service_id, unit_id):
            acc[k]["ratings"] += n
            acc[k]["satisfied"] += satisfied

    def row(k: tuple[str, str]) -> ApplicationStatsRow:
        a = acc[k]
        key, _, name = k[1].partition("|")
        return ApplicationStatsRow(key=key if name else k[0], name=name or k[1], total=a["total"],
                        by_status={s.value: a["by_status"].get(s, 0) for s in S}, decided=a["decided"],
                        on_time=a["on_time"], on_time_rate=_rate(a["on_time"], a["decided"]),
                        avg_working_days=round(a["days"] / a["timed"], 2) if a["timed"] else None,
                        ratings=a["ratings"], satisfied=a["satisfied"],
                        satisfaction_rate=_rate(a["satisfied"], a["ratings"]))

    return (row(("total", "全部")), sorted((row(k) for k in acc if k[0] == "service"), key=lambda r: r.key),
            sorted((row(k) for k in acc if k[0] == "unit"), key=lambda r: int(r.key)))

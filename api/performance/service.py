"""网站绩效考核: each department's indicators over a period, scored 0–1, combined with the admin's weights into
a score out of 100 (the formula in states.FORMULA is returned with the report). Indicators a department has no
data for in the period are left out of its score rather than counted as zero."""

import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from api.applications import service as applications
from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgKind, OrgUnit
from api.calendar import service as calendar
from api.calendar.workdays import local_date
from api.complaints import service as complaints
from api.compliance import service as compliance
from api.database import utcnow
from api.disclosures import service as disclosures
from api.errors import ValidationFailed
from api.performance.models import PerformanceWeight
from api.performance.schemas import DepartmentScore, IndicatorValue, PerformanceReport, WeightItem, WeightsIn
from api.performance.states import (
    DEFAULT_WEIGHTS,
    FORMULA,
    INDICATOR_LABELS,
    PUBLISH_WITHIN_DAYS,
    RADAR_ZERO_AT,
    REVIEW_TARGET_DAYS,
    Indicator,
)
from api.ratings import service as ratings

SHANGHAI = ZoneInfo("Asia/Shanghai")
N = Indicator
Counts = dict[int, list[float]]  # unit → [numerator, denominator]


async def weights(session: AsyncSession) -> dict[Indicator, int]:
    stored = {Indicator(i): w for i, w in await session.execute(select(PerformanceWeight.indicator,
                                                                          PerformanceWeight.weight))}
    return {i: stored.get(i, DEFAULT_WEIGHTS[i]) for i in Indicator}


async def set_weights(session: AsyncSession, data: WeightsIn, actor: Actor) -> dict[Indicator, int]:
    merged = {**await weights(session), **{w.indicator: w.weight for w in data.weights}}
    if sum(merged.values()) <= 0:
        raise ValidationFailed([{"field": "weights", "in": "body", "message": "权重之和必须大于 0", "type": "value"}])
    for w in data.weights:
        row = await session.get(PerformanceWeight, w.indicator)
        if row is None:
            session.add(PerformanceWeight(indicator=w.indicator, weight=w.weight, updated_by_id=actor.id))
        else:
            row.weight, row.updated_by_id, row.updated_at = w.weight, actor.id, utcnow()
    await session.flush()
    await audit.record(session, actor, "performance.weights", "performance_weights", 0,
                       {i.value: n for i, n in merged.items()})
    return merged


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=SHANGHAI)
    return start, datetime(date_to.year, date_to.month, date_to.day, tzinfo=SHANGHAI) + timedelta(days=1)


def _add(counts: Counts, unit: int | None, num: float, den: int = 1) -> None:
    if unit is None:
        return
    pair = counts.setdefault(unit, [0.0, 0])
    pair[0] += num
    pair[1] += den


async def _publish_on_time(session: AsyncSession, start: datetime, end: datetime) -> Counts:
    D = disclosures.Disclosure
    rows = (await session.execute(select(D.publisher_id, D.written_date, D.first_published_at).where(
        D.first_published_at >= start, D.first_published_at < end, D.written_date.is_not(None)))).all()
    counts: Counts = {}
    if not rows:
        return counts
    first = min(r.written_date for r in rows if r.written_date is not None)
    cal = await calendar.load_calendar(session, first, local_date(end))
    for unit, written, published in rows:
        if written is None or published is None:
            continue
        late = cal.working_days_between(written, local_date(published)) > PUBLISH_WITHIN_DAYS
        _add(counts, unit, 0 if late else 1)
    return counts


async def _review_days(session: AsyncSession, start: datetime, end: datetime) -> Counts:
    V = disclosures.DisclosureVersion
    rows = (await session.execute(select(V.publisher_id, V.submitted_at, V.published_at).where(
        V.published_at >= start, V.published_at < end, V.submitted_at.is_not(None)))).all()
    counts: Counts = {}
    if not rows:
        return counts
    cal = await calendar.load_calendar(session, min(local_date(r.submitted_at) for r in rows if r.submitted_at),
                                       local_date(end))
    for unit, submitted, published in rows:
        if submitted is None or published is None:
            continue
        _add(counts, unit, cal.working_days_between(local_date(submitted), local_date(published)))
    return counts


async def _rate(session: AsyncSession, unit_col: SQLCoreOperations[Any], flag: SQLCoreOperations[Any],
                *where: ColumnElement[bool]) -> Counts:
    """unit → [rows where `flag` is true, rows where it is known]."""
    stmt = (select(unit_col, func.sum(case((flag.is_(True), 1), else_=0)), func.count())
            .where(*where, flag.is_not(None)).group_by(unit_col))
    return {u: [float(n or 0), int(d)] for u, n, d in await session.execute(stmt) if u is not None}


async def report(session: AsyncSession, date_from: date, date_to: date,
                 now: datetime | None = None) -> PerformanceReport:
    if date_to < date_from:
        raise ValidationFailed([{"field": "date_to", "in": "query", "message": "截止日期不能早于起始日期",
                                 "type": "value"}])
    start, end = _bounds(date_from, date_to)
    A, C, R = applications.Application, complaints.Complaint, ratings.Rating
    data: dict[Indicator, Counts] = {
        N.publish_on_time: await _publish_on_time(session, start, end),
        N.review_turnaround: await _review_days(session, start, end),
        N.applications_on_time: await _rate(session, A.owner_unit_id, A.on_time, A.decided_at >= start,
                                            A.decided_at < end),
        N.letters_on_time: await _rate(session, func.coalesce(C.reply_unit_id, C.lead_unit_id), C.replied_on_time,
                                       C.replied_at >= start, C.replied_at < end),
        N.satisfaction: await _rate(session, R.owner_unit_id, R.score >= 4, R.created_at >= start,
                                    R.created_at < end, R.excluded.is_(False)),
    }
    open_findings = await compliance.open_findings_by_unit(session, now)
    w = await weights(session)
    units = (await session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.kind.in_([OrgKind.department, OrgKind.centre])).order_by(OrgUnit.id))).all()
    rows: list[DepartmentScore] = []
    for unit_id, name in units:
        values = [_value(i, data[i].get(unit_id)) for i in Indicator if i != N.radar_open]
        n = open_findings.get(unit_id, 0)
        values.append(IndicatorValue(indicator=N.radar_open, numerator=n, denominator=None, value=n,
                                     score=round(max(0.0, 1 - n / RADAR_ZERO_AT), 4)))
        scored = [(w[v.indicator], v.score) for v in values if v.score is not None and w[v.indicator] > 0]
        total = sum(wt for wt, _ in scored)
        score = round(100 * sum(wt * s for wt, s in scored if s is not None) / total, 2) if total else None
        rows.append(DepartmentScore(unit_id=unit_id, unit_name=name, rank=0, score=score, indicators=values))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.unit_id))
    for rank, row in enumerate(rows, 1):
        row.rank = rank
    return PerformanceReport(date_from=date_from, date_to=date_to, formula=FORMULA,
                             weights=[WeightItem(indicator=i, weight=w[i]) for i in Indicator], rows=rows)


def _value(indicator: Indicator, pair: list[float] | None) -> IndicatorValue:
    if not pair or not pair[1]:
        return IndicatorValue(indicator=indicator, numerator=None, denominator=None, value=None, score=None)
    num, den = pair[0], int(pair[1])
    if indicator == N.review_turnaround:
        avg = num / den
        return IndicatorValue(indicator=indicator, numerator=num, denominator=den, value=round(avg, 2),
                              score=round(min(1.0, REVIEW_TARGET_DAYS / avg) if avg else 1.0, 4))
    rate = round(num / den, 4)
    return IndicatorValue(indicator=indicator, numerator=num, denominator=den, value=rate, score=rate)


def to_xlsx(rep: PerformanceReport) -> bytes:
    """The report as a workbook: the ranking with every indicator, then the weights and the formula."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "绩效考核"
    ws.append([f"网站绩效考核（{rep.date_from} 至 {rep.date_to}）"])
    header = ["排名", "部门", "总分"]
    for i in Indicator:
        header += [f"{INDICATOR_LABELS[i]}（数值）", f"{INDICATOR_LABELS[i]}（得分）"]
    ws.append(header)
    for row in rep.rows:
        line: list[object] = [row.rank, row.unit_name, row.score]
        for v in row.indicators:
            line += [v.value, None if v.score is None else round(v.score * 100, 2)]
        ws.append(line)
    ws.append([])
    ws.append(["权重"] + [f"{INDICATOR_LABELS[w.indicator]} {w.weight}" for w in rep.weights])
    ws.append(["计分方法", rep.formula])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def period_default(today: date | None = None) -> tuple[date, date]:
    """This year so far (Asia/Shanghai)."""
    today = today or local_date(utcnow())
    return date(today.year, 1, 1), today



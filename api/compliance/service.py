"""The compliance radar: every 国办函〔2019〕38号 check the site's own data can answer, each finding with the
department responsible and the page that fixes it. The database checks run on request (a handful of grouped
queries over indexed columns); the link check reads what the periodic link job (api.compliance.links) stored,
so a report never fetches anything. A daily snapshot of the counts feeds the trend chart."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit
from api.calendar.workdays import local_date
from api.catalog import service as catalog
from api.complaints import service as complaints
from api.compliance.models import ComplianceSettings, ComplianceSnapshot, LinkCheck
from api.compliance.schemas import (
    CheckResult,
    ComplianceReport,
    ComplianceSettingsIn,
    Finding,
    SnapshotPoint,
)
from api.compliance.states import (
    FAIL_AT,
    GUIDE_ELEMENTS,
    HOMEPAGE_DAYS,
    SEVERITY,
    UNANSWERED_MONTHS,
    CheckCode,
    LinkStatus,
    Severity,
)
from api.database import utcnow
from api.disclosures import service as disclosures

C = CheckCode


def months_before(at: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's last day)."""
    y, m = divmod(at.month - 1 - months, 12)
    year, month = at.year + y, m + 1
    for day in range(at.day, 27, -1):
        try:
            return at.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return at.replace(year=year, month=month, day=min(at.day, 28))


async def get_settings_row(session: AsyncSession) -> ComplianceSettings:
    row = await session.get(ComplianceSettings, 1)
    if row is None:
        row = ComplianceSettings(id=1, outbound_checks=False, own_hosts=[])
        session.add(row)
        await session.flush()
    return row


async def update_settings(session: AsyncSession, data: ComplianceSettingsIn, actor: Actor) -> ComplianceSettings:
    row = await get_settings_row(session)
    row.outbound_checks = data.outbound_checks
    row.own_hosts = sorted({h.strip().lower() for h in data.own_hosts if h.strip()})
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor, "compliance.settings", "compliance_settings", 1,
                       {"outbound_checks": row.outbound_checks, "own_hosts": row.own_hosts})
    return row


@dataclass
class _Ctx:
    now: datetime
    units: dict[int, str]

    def finding(self, check: CheckCode, subject: str, detail: str, unit_id: int | None, fix_url: str,
                since: datetime | None = None) -> Finding:
        days = (self.now - since).days if since else None
        return Finding(check=check, subject=subject, detail=detail, unit_id=unit_id,
                       unit_name=self.units.get(unit_id) if unit_id else None, fix_url=fix_url, since=since,
                       days=days)


def _column_fix(column_id: int) -> str:
    return f"/workspace/disclosures/new?column_id={column_id}"


def _item_fix(disclosure_id: int, version_id: int | None) -> str:
    return f"/workspace/disclosures/versions/{version_id}" if version_id else f"/disclosures/{disclosure_id}"


async def _column_checks(session: AsyncSession, ctx: _Ctx) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """(home page stale, columns stale, columns empty). An item without a publication date is no update."""
    Column, Disclosure = disclosures.Column, disclosures.Disclosure
    cols = (await session.execute(select(Column.id, Column.name, Column.parent_id, Column.owner_unit_id,
                                         Column.freshness, Column.is_homepage).order_by(Column.sort_order,
                                                                                        Column.id))).all()
    latest = {cid: at for cid, at in (await session.execute(
        select(Disclosure.column_id, func.max(Disclosure.published_at))
        .where(Disclosure.status == disclosures.DisclosureStatus.published, Disclosure.published_at.is_not(None))
        .group_by(Disclosure.column_id))).all() if at is not None}
    parents = {c.parent_id for c in cols if c.parent_id is not None}
    stale: list[Finding] = []
    empty: list[Finding] = []
    for c in cols:
        newest = latest.get(c.id)
        if newest is None:
            if c.id not in parents:  # a column with sub-columns is navigation, its children are checked
                empty.append(ctx.finding(C.column_empty, c.name, "栏目内没有已发布的信息", c.owner_unit_id,
                                         _column_fix(c.id)))
            continue
        limit = disclosures.STALE_AFTER_DAYS.get(c.freshness)
        if limit is not None and ctx.now - newest > timedelta(days=limit):
            stale.append(ctx.finding(C.column_stale, c.name, f"超过 {limit} 天未更新", c.owner_unit_id,
                                     _column_fix(c.id), newest))
    home_cols = [c for c in cols if c.is_homepage]
    home: list[Finding] = []
    # No column marked as the home page's: the newest item anywhere is what the home page shows.
    shown = home_cols or cols
    dates = [latest[c.id] for c in shown if c.id in latest]
    newest_home = max(dates) if dates else None
    if newest_home is None or ctx.now - newest_home > timedelta(days=HOMEPAGE_DAYS):
        detail = f"首页栏目超过 {HOMEPAGE_DAYS} 天没有新信息" if newest_home else "首页栏目没有已发布的信息"
        first = shown[0] if shown else None
        home.append(ctx.finding(C.homepage_stale, "首页", detail, first.owner_unit_id if first else None,
                                _column_fix(first.id) if first else "/workspace/disclosures/new", newest_home))
    return home, stale, empty


async def _unanswered(session: AsyncSession, ctx: _Ctx) -> list[Finding]:
    Complaint, Mailbox = complaints.Complaint, complaints.Mailbox
    cutoff = months_before(ctx.now, UNANSWERED_MONTHS)
    rows = (await session.execute(
        select(Complaint.id, Complaint.tracking_no, Complaint.subject, Complaint.submitted_at,
               Complaint.lead_unit_id, Mailbox.owner_unit_id)
        .join(Mailbox, Mailbox.id == Complaint.mailbox_id)
        .where(Complaint.status.in_(complaints.OPEN), Complaint.submitted_at < cutoff)
        .order_by(Complaint.submitted_at))).all()
    return [ctx.finding(C.message_unanswered, f"{r.tracking_no} {r.subject}",
                        f"来信超过 {UNANSWERED_MONTHS} 个月未答复", r.lead_unit_id or r.owner_unit_id,
                        f"/workspace/complaints/{r.id}", r.submitted_at) for r in rows]


async def _undated(session: AsyncSession, ctx: _Ctx) -> list[Finding]:
    Disclosure = disclosures.Disclosure
    rows = (await session.execute(
        select(Disclosure.id, Disclosure.title, Disclosure.publisher_id, Disclosure.published_version_id)
        .where(Disclosure.status == disclosures.DisclosureStatus.published, Disclosure.published_at.is_(None))
        .order_by(Disclosure.id))).all()
    return [ctx.finding(C.item_undated, r.title, "已发布信息没有发布日期", r.publisher_id,
                        _item_fix(r.id, r.published_version_id)) for r in rows]


def missing_elements(name: str, guide: dict[str, object], owner_unit_id: int | None) -> list[str]:
    """The key elements (Chinese names) a guide lacks: an empty string or list counts as missing."""
    values = {**guide, "name": name, "owner_unit": owner_unit_id}
    out = []
    for key, label in GUIDE_ELEMENTS.items():
        v = values.get(key)
        if v is None or (isinstance(v, str | list | tuple) and not [x for x in (v if not isinstance(v, str)
                                                                                  else [v.strip()]) if x]):
            out.append(label)
    return out


async def _guides(session: AsyncSession, ctx: _Ctx) -> list[Finding]:
    Service, ServiceVersion = catalog.Service, catalog.ServiceVersion
    rows = (await session.execute(
        select(Service.code, Service.owner_unit_id, ServiceVersion.name, ServiceVersion.guide)
        .join(ServiceVersion, (ServiceVersion.service_id == Service.id)
              & (ServiceVersion.version == Service.current_version))
        .where(Service.is_active.is_(True)).order_by(Service.sort_order, Service.id))).all()
    out = []
    for r in rows:
        missing = missing_elements(r.name, r.guide or {}, r.owner_unit_id)
        if missing:
            out.append(ctx.finding(C.guide_incomplete, r.name, "缺少：" + "、".join(missing), r.owner_unit_id,
                                   f"/services/{r.code}"))
    return out


async def _links(session: AsyncSession, ctx: _Ctx) -> tuple[list[Finding], list[Finding], datetime | None]:
    Disclosure = disclosures.Disclosure
    rows = (await session.execute(
        select(LinkCheck, Disclosure.title, Disclosure.publisher_id, Disclosure.published_version_id)
        .join(Disclosure, Disclosure.id == LinkCheck.disclosure_id)
        .where(LinkCheck.status != LinkStatus.ok).order_by(LinkCheck.id))).all()
    broken: list[Finding] = []
    external: list[Finding] = []
    for link, title, unit, vid in rows:
        target = broken if link.status == LinkStatus.broken else external
        check = C.broken_link if link.status == LinkStatus.broken else C.external_link
        target.append(ctx.finding(check, link.url, f"《{title}》：{link.reason}", unit,
                                  _item_fix(link.disclosure_id, vid)))
    last = (await session.execute(select(func.max(LinkCheck.checked_at)))).scalar()
    return broken, external, last


def _result(code: CheckCode, findings: list[Finding]) -> CheckResult:
    fail_at = FAIL_AT[code]
    return CheckResult(code=code, severity=SEVERITY[code], fail_at=fail_at, count=len(findings),
                       failed=fail_at > 0 and len(findings) >= fail_at, findings=findings)


async def report(session: AsyncSession, now: datetime | None = None) -> ComplianceReport:
    now = now or utcnow()
    units: dict[int, str] = {uid: name for uid, name in await session.execute(select(OrgUnit.id, OrgUnit.name))}
    ctx = _Ctx(now, units)
    home, stale, empty = await _column_checks(session, ctx)
    broken, external, links_at = await _links(session, ctx)
    checks = [
        _result(C.homepage_stale, home),
        _result(C.column_stale, stale),
        _result(C.column_empty, empty),
        _result(C.message_unanswered, await _unanswered(session, ctx)),
        _result(C.item_undated, await _undated(session, ctx)),
        _result(C.guide_incomplete, await _guides(session, ctx)),
        _result(C.broken_link, broken),
        _result(C.external_link, external),
    ]
    settings = await session.get(ComplianceSettings, 1)
    return ComplianceReport(generated_at=now, failed_vetoes=sum(c.failed and c.severity == Severity.veto
                                                                for c in checks),
                            links_checked_at=links_at, outbound_checks=bool(settings and settings.outbound_checks),
                            checks=checks)


async def open_findings_by_unit(session: AsyncSession, now: datetime | None = None) -> dict[int, int]:
    """How many findings of any failing-capable check each department has open now (for performance)."""
    out: dict[int, int] = {}
    for check in (await report(session, now)).checks:
        if check.severity == Severity.info:
            continue
        for f in check.findings:
            if f.unit_id is not None:
                out[f.unit_id] = out.get(f.unit_id, 0) + 1
    return out


async def take_snapshot(session: AsyncSession, now: datetime | None = None) -> date:
    """Record today's counts (Asia/Shanghai day); taking it again the same day replaces the day's rows."""
    now = now or utcnow()
    day = local_date(now)
    rep = await report(session, now)
    await session.execute(delete(ComplianceSnapshot).where(ComplianceSnapshot.day == day))
    session.add_all([ComplianceSnapshot(day=day, check=c.code, findings=c.count, failed=c.failed, taken_at=now)
                     for c in rep.checks])
    await session.flush()
    return day


async def has_snapshot(session: AsyncSession, day: date) -> bool:
    return (await session.execute(select(ComplianceSnapshot.id).where(ComplianceSnapshot.day == day)
                                  .limit(1))).first() is not None


async def trend(session: AsyncSession, days: int, today: date | None = None) -> list[SnapshotPoint]:
    first = (today or local_date(utcnow())) - timedelta(days=days - 1)
    rows = (await session.execute(select(ComplianceSnapshot).where(ComplianceSnapshot.day >= first)
                                  .order_by(ComplianceSnapshot.day, ComplianceSnapshot.check))).scalars()
    return [SnapshotPoint(day=r.day, check=r.check, findings=r.findings, failed=r.failed) for r in rows]

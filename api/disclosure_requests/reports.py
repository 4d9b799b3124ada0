"""政府信息公开工作年度报告 (国办公开办函〔2021〕30号 format). Section 三's table is counted from the requests
(by applicant type, one row per outcome and reason), section 四's from the reviews recorded on them, section
二's 规章 / 行政规范性文件 figures from the catalogue; staff write the text of 一, 五 and 六 and enter the figures
the portal cannot know (行政许可, 处罚, 强制, 收费). Staff may correct a counted cell (for paper requests the
portal never saw); publishing then checks the form's rules — 一 + 二 = 三 + 四 and every 总计 — and names the
first cell that breaks one. A published report goes into the catalogue as a draft in the 年度报告 column, through
the usual review and 保密审查. Flushes, never commits."""

from datetime import date
from html import escape
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.auth.principal import Principal
from api.calendar.workdays import local_date
from api.database import utcnow
from api.disclosure_requests.exceptions import ReportAlreadyPublished, ReportCheckFailed
from api.disclosure_requests.models import AnnualReport, DisclosureRequest
from api.disclosure_requests.states import (
    APPLICANT_TYPE_LABELS,
    OUTCOME_LABELS,
    REASON_LABELS,
    REASONS,
    REVIEW_KIND_LABELS,
    REVIEW_RESULT_LABELS,
    ApplicantType,
    Outcome,
    ReviewKind,
    ReviewResult,
)
from api.disclosures import service as disclosures
from api.errors import ValidationFailed

TYPES = [t.value for t in ApplicantType]
COLUMNS = [*TYPES, "total"]
COLUMN_LABELS = {**{t.value: label for t, label in APPLICANT_TYPE_LABELS.items()}, "total": "总计"}
CN_NUMERALS = "一二三四五六七八"


def _result_rows() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for i, outcome in enumerate(Outcome):
        head = f"三、（{CN_NUMERALS[i]}）{OUTCOME_LABELS[outcome]}"
        if not REASONS[outcome]:
            rows.append((outcome.value, head))
        for j, reason in enumerate(REASONS[outcome]):
            rows.append((f"{outcome.value}.{reason.value}", f"{head} {j + 1}. {REASON_LABELS[reason]}"))
    return rows


RESULT_ROWS = _result_rows()
ROWS = [("new", "一、本年新收政府信息公开申请数量"), ("carried_in", "二、上年结转政府信息公开申请数量"),
        *RESULT_ROWS, ("total", "三、（七）总计"), ("carried_out", "四、结转下年度继续办理")]
ROW_LABELS = dict(ROWS)
REVIEW_COLUMNS = [*(r.value for r in ReviewResult), "total"]
REVIEW_COLUMN_LABELS = {**{r.value: label for r, label in REVIEW_RESULT_LABELS.items()}, "total": "总计"}
REVIEW_ROWS = [(k.value, REVIEW_KIND_LABELS[k]) for k in ReviewKind]
GENRES = ("规章", "行政规范性文件")
ENTERED = {"licensing": "行政许可 本年处理决定数量", "punishment": "行政处罚 本年处理决定数量",
           "enforcement": "行政强制 本年处理决定数量", "charges": "行政事业性收费 本年收费金额（万元）"}
TEXTS = {"overview": "一、总体情况", "problems": "五、存在的主要问题及改进情况", "other": "六、其他需要报告的事项"}


def _empty(columns: list[str], rows: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    return {key: dict.fromkeys(columns, 0) for key, _ in rows}


async def _count(session: AsyncSession, table: dict[str, dict[str, int]], row: str, *where: Any) -> None:
    stmt = (select(DisclosureRequest.applicant_type, func.count()).where(*where)
            .group_by(DisclosureRequest.applicant_type))
    for kind, n in (await session.execute(stmt)).all():
        table[row][kind] += n


def _totals(table: dict[str, dict[str, int]]) -> None:
    for key, _ in RESULT_ROWS:
        for col in TYPES:
            table["total"][col] += table[key][col]
    for cells in table.values():
        cells["total"] = sum(cells[c] for c in TYPES)


async def section3(session: AsyncSession, year: int) -> dict[str, dict[str, int]]:
    """Section 三 counted from the requests: received this year, carried in, finished this year by outcome and
    reason, carried out — so 一 + 二 = 三 + 四 holds for every applicant type."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    table = _empty(COLUMNS, ROWS)
    r = DisclosureRequest
    await _count(session, table, "new", r.received_date.between(first, last))
    await _count(session, table, "carried_in", r.received_date < first,
                 or_(r.finished_date.is_(None), r.finished_date >= first))
    await _count(session, table, "carried_out", r.received_date <= last,
                 or_(r.finished_date.is_(None), r.finished_date > last))
    stmt = (select(r.outcome, r.reason, r.applicant_type, func.count())
            .where(r.finished_date.between(first, last), r.outcome.is_not(None))
            .group_by(r.outcome, r.reason, r.applicant_type))
    for outcome, reason, kind, n in (await session.execute(stmt)).all():
        table[str(outcome) if reason is None else f"{outcome}.{reason}"][kind] += n
    _totals(table)
    return table


async def section4(session: AsyncSession, year: int) -> dict[str, dict[str, int]]:
    """Section 四: each 行政复议 / 行政诉讼 in the year of its own decision, by result; one filed by the year's
    end and not decided by then is 尚未审结 (whatever year the request itself was answered in)."""
    table = _empty(REVIEW_COLUMNS, REVIEW_ROWS)
    r = DisclosureRequest
    first, last = date(year, 1, 1), date(year, 12, 31)
    decided = (select(r.review_kind, r.review_result, func.count())
               .where(r.review_kind.is_not(None), r.review_decided_date.between(first, last))
               .group_by(r.review_kind, r.review_result))
    for kind, result, n in (await session.execute(decided)).all():
        table[str(kind)][str(result)] += n
    pending = (select(r.review_kind, func.count())
               .where(r.review_kind.is_not(None), r.review_filed_date <= last,
                      or_(r.review_decided_date.is_(None), r.review_decided_date > last))
               .group_by(r.review_kind))
    for kind, n in (await session.execute(pending)).all():
        table[str(kind)][ReviewResult.pending.value] += n
    for cells in table.values():
        cells["total"] = sum(cells[c] for c in REVIEW_COLUMNS if c != "total")
    return table


async def fees_collected(session: AsyncSession, year: int) -> int:
    r = DisclosureRequest
    total = (await session.execute(select(func.coalesce(func.sum(r.fee_amount), 0)).where(
        r.fee_paid_date.between(date(year, 1, 1), date(year, 12, 31))))).scalar_one()
    return int(total or 0)


async def section2(session: AsyncSession, year: int) -> dict[str, dict[str, int]]:
    out = {}
    for genre in GENRES:
        issued, repealed, valid = await disclosures.genre_figures(session, year, genre)
        out[genre] = {"issued": issued, "repealed": repealed, "in_force": valid}
    return out


def check(table: dict[str, dict[str, int]], reviews: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Every broken rule, each naming its cell (row and column, in the form's own words)."""
    problems: list[dict[str, Any]] = []

    def cell(row: str, col: str, rule: str, expected: int) -> None:
        problems.append({"row": row, "column": col, "value": table[row][col], "expected": expected,
                         "message": f"“{ROW_LABELS[row]}”的“{COLUMN_LABELS[col]}”应为 {expected}（{rule}），"
                                    f"现为 {table[row][col]}"})

    for row, _ in ROWS:
        parts = sum(table[row][c] for c in TYPES)
        if table[row]["total"] != parts:
            cell(row, "total", "总计等于各类申请人之和", parts)
    for col in COLUMNS:
        parts = sum(table[key][col] for key, _ in RESULT_ROWS)
        if table["total"][col] != parts:
            cell("total", col, "总计等于各项办理结果之和", parts)
    for col in COLUMNS:
        left = table["new"][col] + table["carried_in"][col]
        right = table["total"][col] + table["carried_out"][col]
        if left != right:
            cell("carried_out", col, "一 + 二 = 三 + 四", left - table["total"][col])
    for row, label in REVIEW_ROWS:
        parts = sum(reviews[row][c] for c in REVIEW_COLUMNS if c != "total")
        if reviews[row]["total"] != parts:
            problems.append({"row": row, "column": "total", "value": reviews[row]["total"], "expected": parts,
                             "message": f"“{label}”的“总计”应为 {parts}（总计等于各项结果之和），"
                                        f"现为 {reviews[row]['total']}"})
    return problems


async def get_report(session: AsyncSession, year: int) -> AnnualReport | None:
    return (await session.execute(select(AnnualReport).where(AnnualReport.year == year))).scalar_one_or_none()


async def assemble(session: AsyncSession, year: int) -> dict[str, Any]:
    """The report as shown and exported: the saved text and figures over the counted tables."""
    row = await get_report(session, year)
    saved: dict[str, Any] = dict(row.body) if row else {}
    table = saved.get("section3") or await section3(session, year)
    reviews = saved.get("section4") or await section4(session, year)
    return {
        "year": year, "published": bool(row and row.published_at), "published_at": row.published_at if row else None,
        "disclosure_id": saved.get("disclosure_id"),
        "texts": {k: saved.get("texts", {}).get(k, "") for k in TEXTS},
        "entered": {k: saved.get("entered", {}).get(k) for k in ENTERED},
        "section2": await section2(session, year), "section3": table, "section4": reviews,
        "section3_adjusted": bool(saved.get("section3")), "fees_collected": await fees_collected(session, year),
        "problems": check(table, reviews),
    }


def _validate_table(table: dict[str, dict[str, int]], rows: list[tuple[str, str]], columns: list[str],
                    field: str) -> None:
    if set(table) != {k for k, _ in rows} or any(set(cells) != set(columns) for cells in table.values()):
        raise ValidationFailed([{"field": field, "in": "body", "type": "report",
                                 "message": "表格的行或列与年度报告格式不符"}])


async def save(session: AsyncSession, principal: Principal, year: int, data: dict[str, Any]) -> None:
    """Save the text, the entered figures and any corrected cells (None: count them from the requests)."""
    row = await get_report(session, year)
    if row is not None and row.published_at is not None:
        raise ReportAlreadyPublished()
    for key, rows, cols in (("section3", ROWS, COLUMNS), ("section4", REVIEW_ROWS, REVIEW_COLUMNS)):
        if data.get(key) is not None:
            _validate_table(data[key], rows, cols, key)
    body = {**(row.body if row else {}), **data}
    if row is None:
        session.add(AnnualReport(year=year, body=body, updated_by_id=principal.id))
    else:
        row.body, row.updated_at, row.updated_by_id = body, utcnow(), principal.id
    await session.flush()
    await audit.record(session, principal.actor(), "annual_report.save", "annual_report", year,
                       {"adjusted": data.get("section3") is not None})


def report_html(report: dict[str, Any]) -> str:
    """The report as the catalogue item's body: the sections and tables in the form's order."""
    parts = [f"<h2>{TEXTS['overview']}</h2><p>{escape(report['texts']['overview'])}</p>",
             "<h2>二、主动公开政府信息情况</h2><table><tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th>"
             "<th>现行有效件数</th></tr>"]
    for genre, f in report["section2"].items():
        parts.append(f"<tr><td>{genre}</td><td>{f['issued']}</td><td>{f['repealed']}</td><td>{f['in_force']}</td></tr>")
    parts.append("</table><table>")
    for key, label in ENTERED.items():
        parts.append(f"<tr><td>{label}</td><td>{report['entered'][key] if report['entered'][key] is not None else ''}"
                     "</td></tr>")
    parts.append("</table><h2>三、收到和处理政府信息公开申请情况</h2><table><tr><th></th>"
                 + "".join(f"<th>{COLUMN_LABELS[c]}</th>" for c in COLUMNS) + "</tr>")
    for key, label in ROWS:
        parts.append(f"<tr><td>{label}</td>" + "".join(f"<td>{report['section3'][key][c]}</td>" for c in COLUMNS)
                     + "</tr>")
    parts.append("</table><h2>四、政府信息公开行政复议、行政诉讼情况</h2><table><tr><th></th>"
                 + "".join(f"<th>{REVIEW_COLUMN_LABELS[c]}</th>" for c in REVIEW_COLUMNS) + "</tr>")
    for key, label in REVIEW_ROWS:
        parts.append(f"<tr><td>{label}</td>" + "".join(f"<td>{report['section4'][key][c]}</td>"
                                                        for c in REVIEW_COLUMNS) + "</tr>")
    parts.append(f"</table><h2>{TEXTS['problems']}</h2><p>{escape(report['texts']['problems'])}</p>"
                 f"<h2>{TEXTS['other']}</h2><p>{escape(report['texts']['other'])}</p>"
                 f"<p>本年度收取信息处理费 {report['fees_collected']} 元。</p>")
    return "".join(parts)


async def publish(session: AsyncSession, principal: Principal, year: int, column_id: int) -> dict[str, Any]:
    """Refuse a report that breaks a rule (409 naming the cell); otherwise put it in the catalogue's 年度报告
    column as a draft item for review and 保密审查, and mark the report published."""
    report = await assemble(session, year)
    if report["published"]:
        raise ReportAlreadyPublished()
    if report["problems"]:
        raise ReportCheckFailed(report["problems"][0]["message"], problems=report["problems"])
    version = await disclosures.create_disclosure(session, principal, disclosures.DisclosureCreate(
        column_id=column_id, title=f"{year}年政府信息公开工作年度报告", body_html=report_html(report),
        genre="年度报告", written_date=local_date(utcnow())))
    await save(session, principal, year, {"disclosure_id": version.disclosure_id})
    row = await get_report(session, year)
    assert row is not None
    row.published_at, row.published_by_id = utcnow(), principal.id
    await session.flush()
    return await assemble(session, year)

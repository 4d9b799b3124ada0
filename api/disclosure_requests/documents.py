"""The reply (政府信息公开申请答复书) and the annual report as Word documents (python-docx), and the annual
report's tables as a workbook (openpyxl)."""

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from openpyxl import Workbook

from api.disclosure_requests import reports
from api.disclosure_requests.models import DisclosureRequest
from api.disclosure_requests.states import REMEDY_TEXT

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def reply_docx(r: DisclosureRequest) -> bytes:
    """Title, number, the reply text as the handler left it, legal basis, remedy, unit and date."""
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("政府信息公开申请答复书")
    run.bold, run.font.size = True, Pt(18)
    number = doc.add_paragraph(f"编号：{r.tracking_no}")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (r.reply_body or "").splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())
    if r.legal_basis and r.legal_basis not in (r.reply_body or ""):
        doc.add_paragraph(f"法律依据：{r.legal_basis}")
    if r.referral:
        doc.add_paragraph(f"负责公开该信息的机关：{r.referral}")
    if REMEDY_TEXT not in (r.reply_body or ""):
        doc.add_paragraph(REMEDY_TEXT)
    for text in (r.unit.name, f"{r.finished_date:%Y年%m月%d日}" if r.finished_date else ""):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = "" if value is None else str(value)


def report_rows(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables in the form's order: (heading, header, rows)."""
    s2 = [[genre, f["issued"], f["repealed"], f["in_force"]] for genre, f in report["section2"].items()]
    entered = [[label, report["entered"][key]] for key, label in reports.ENTERED.items()]
    s3 = [[label, *(report["section3"][key][c] for c in reports.COLUMNS)] for key, label in reports.ROWS]
    s4 = [[label, *(report["section4"][key][c] for c in reports.REVIEW_COLUMNS)]
          for key, label in reports.REVIEW_ROWS]
    return [
        ("二、主动公开政府信息情况（第二十条第（一）项）",
         ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], s2),
        ("二、主动公开政府信息情况（第二十条第（五）、（六）、（八）项）", ["信息内容", "数量"], entered),
        ("三、收到和处理政府信息公开申请情况", ["", *(reports.COLUMN_LABELS[c] for c in reports.COLUMNS)], s3),
        ("四、政府信息公开行政复议、行政诉讼情况",
         ["", *(reports.REVIEW_COLUMN_LABELS[c] for c in reports.REVIEW_COLUMNS)], s4),
    ]


def report_docx(report: dict[str, Any], unit_name: str) -> bytes:
    """The annual report in the official order: 一 text, 二 tables, 三 table, 四 table, 五 and 六 text."""
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{unit_name}{report['year']}年政府信息公开工作年度报告")
    run.bold, run.font.size = True, Pt(18)
    doc.add_heading(reports.TEXTS["overview"], level=2)
    doc.add_paragraph(report["texts"]["overview"])
    for i, (heading, header, rows) in enumerate(report_rows(report)):
        if i != 1:
            doc.add_heading(heading, level=2)
        _table(doc, header, rows)
    doc.add_heading(reports.TEXTS["problems"], level=2)
    doc.add_paragraph(report["texts"]["problems"])
    doc.add_heading(reports.TEXTS["other"], level=2)
    doc.add_paragraph(report["texts"]["other"])
    doc.add_paragraph(f"本年度收取信息处理费 {report['fees_collected']} 元。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


SHEET_NAMES = ("二 主动公开（第二十条第一项）", "二 主动公开（其他项）", "三 申请办理", "四 复议诉讼")


def report_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet per section table, cells as numbers so the form's sums can be checked in the spreadsheet."""
    book = Workbook()
    for i, (heading, header, rows) in enumerate(report_rows(report)):
        sheet = book.create_sheet(SHEET_NAMES[i])
        sheet.append([heading])
        sheet.append(header)
        for values in rows:
            sheet.append(values)
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

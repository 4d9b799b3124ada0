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
from api.disclosure_requests.states import (
    OUTCOME_LABELS,
    REASON_LABELS,
    REASONS,
    REMEDY_TEXT,
    REVIEW_KIND_LABELS,
    Outcome,
    ReviewKind,
)

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


SECTION_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
CHECK_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
PARTLY_LABEL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def _merged(table: Any, r1: int, c1: int, r2: int, c2: int, text: str, bold: bool = False) -> None:
    cell = table.cell(r1, c1)
    if (r1, c1) != (r2, c2):
        cell = cell.merge(table.cell(r2, c2))
    cell.text = text
    paragraph = cell.paragraphs[0]
    if bold:  # a column heading
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in paragraph.runs:
        run.bold = bold


def _grid(doc: Any, rows: int, cols: int) -> Any:
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    return table


def _section2(doc: Any, report: dict[str, Any]) -> None:
    """The form's one four-column table: 第二十条第（一）项 (规章, 行政规范性文件: issued, repealed, in force),
    then （五） 行政许可, （六） 行政处罚 and 行政强制, （八） 行政事业性收费, each under its own heading rows."""
    entered = report["entered"]

    def figure(key: str) -> str:
        return "" if entered.get(key) is None else str(entered[key])

    blocks: list[tuple[str, list[str], list[list[str]]]] = [
        ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
         [[g, str(f["issued"]), str(f["repealed"]), str(f["in_force"])] for g, f in report["section2"].items()]),
        ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", figure("licensing")]]),
        ("第二十条第（六）项", ["信息内容", "本年处理决定数量"],
         [["行政处罚", figure("punishment")], ["行政强制", figure("enforcement")]]),
        ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [["行政事业性收费", figure("charges")]]),
    ]
    table = _grid(doc, sum(2 + len(rows) for _, _, rows in blocks), 4)
    r = 0
    for title, header, rows in blocks:
        _merged(table, r, 0, r, 3, title, bold=True)
        r += 1
        for block_row in (header, *rows):
            if len(block_row) == 4:
                for c, text in enumerate(block_row):
                    _merged(table, r, c, r, c, text, bold=block_row is header)
            else:  # two cells over four columns: the content and its one figure
                _merged(table, r, 0, r, 1, block_row[0], bold=block_row is header)
                _merged(table, r, 2, r, 3, block_row[1], bold=block_row is header)
            r += 1


def _section3(doc: Any, report: dict[str, Any]) -> None:
    """Three header rows (申请人情况; 自然人, 法人或其他组织, 总计; the five kinds of organisation), three label
    columns (一 to 四; （一） to （七）; the numbered reasons), then the seven figures of each row."""
    s3 = report["section3"]
    label_cols, header_rows = 3, 3
    table = _grid(doc, header_rows + len(reports.ROWS), label_cols + len(reports.COLUMNS))
    _merged(table, 0, 0, 2, 2, CHECK_NOTE)
    _merged(table, 0, 3, 0, 9, "申请人情况", bold=True)
    _merged(table, 1, 3, 2, 3, reports.COLUMN_LABELS["natural_person"], bold=True)
    _merged(table, 1, 4, 1, 8, "法人或其他组织", bold=True)
    _merged(table, 1, 9, 2, 9, reports.COLUMN_LABELS["total"], bold=True)
    for c, kind in enumerate(reports.TYPES[1:], start=4):
        _merged(table, 2, c, 2, c, reports.COLUMN_LABELS[kind], bold=True)
    row = header_rows
    first_result = header_rows + 2  # after 一 and 二
    for key, label in reports.ROWS:
        if key in ("new", "carried_in", "carried_out"):
            _merged(table, row, 0, row, 2, label)
        elif key == "total":
            _merged(table, row, 1, row, 2, "（七）总计")
        elif "." not in key:  # an outcome without reasons: （一） 予以公开, （二） 部分公开
            text = PARTLY_LABEL if key == "partly_disclosed" else label.split("、", 1)[1]
            _merged(table, row, 1, row, 2, text)
        for c, column in enumerate(reports.COLUMNS, start=label_cols):
            table.cell(row, c).text = str(s3[key][column])
        row += 1
    last_result = header_rows + 2 + len(reports.RESULT_ROWS)  # the （七） 总计 row
    _merged(table, first_result, 0, last_result, 0, "三、本年度办理结果")
    row = first_result
    for i, outcome in enumerate(Outcome):
        reasons = REASONS[outcome]
        if reasons:
            _merged(table, row, 1, row + len(reasons) - 1, 1, f"（{reports.CN_NUMERALS[i]}）{OUTCOME_LABELS[outcome]}")
            for j, reason in enumerate(reasons):
                _merged(table, row + j, 2, row + j, 2, f"{j + 1}.{REASON_LABELS[reason]}")
            row += len(reasons)
        else:
            row += 1


def _section4(doc: Any, report: dict[str, Any]) -> None:
    """One row of fifteen figures under three header rows: 行政复议 (five results), 行政诉讼 split into 未经复议直接
    起诉 and 复议后起诉 (five results each)."""
    s4 = report["section4"]
    results = reports.REVIEW_COLUMNS
    table = _grid(doc, 4, 3 * len(results))
    _merged(table, 0, 0, 0, len(results) - 1, "行政复议", bold=True)
    _merged(table, 0, len(results), 0, 3 * len(results) - 1, "行政诉讼", bold=True)
    for c, column in enumerate(results):
        _merged(table, 1, c, 2, c, reports.REVIEW_COLUMN_LABELS[column], bold=True)
    for block, kind in enumerate(("litigation_direct", "litigation_after_review"), start=1):
        start = block * len(results)
        _merged(table, 1, start, 1, start + len(results) - 1, REVIEW_KIND_LABELS[ReviewKind(kind)], bold=True)
        for c, column in enumerate(results):
            _merged(table, 2, start + c, 2, start + c, reports.REVIEW_COLUMN_LABELS[column], bold=True)
    for block, kind in enumerate(("reconsideration", "litigation_direct", "litigation_after_review")):
        for c, column in enumerate(results):
            table.cell(3, block * len(results) + c).text = str(s4[kind][column])


def report_docx(report: dict[str, Any], unit_name: str) -> bytes:
    """The annual report as 国办公开办函〔2021〕30号 lays it out: the six section headings, 二's table of 第二十条
    items, 三's table with its three header rows and three label columns, 四's one-row table of fifteen figures."""
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{unit_name}{report['year']}年政府信息公开工作年度报告")
    run.bold, run.font.size = True, Pt(18)
    one, two, three, four, five, six = SECTION_HEADINGS
    doc.add_heading(one, level=2)
    doc.add_paragraph(report["texts"]["overview"])
    doc.add_heading(two, level=2)
    _section2(doc, report)
    doc.add_heading(three, level=2)
    _section3(doc, report)
    doc.add_heading(four, level=2)
    _section4(doc, report)
    doc.add_heading(five, level=2)
    doc.add_paragraph(report["texts"]["problems"])
    doc.add_heading(six, level=2)
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

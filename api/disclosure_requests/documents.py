"""The reply as a Word document (政府信息公开申请答复书), written with python-docx from the stored reply."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

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

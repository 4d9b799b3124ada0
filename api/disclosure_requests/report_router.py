from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from api.auth.dependencies import OptionalUser, require_role
from api.auth.models import Role
from api.auth.principal import Principal
from api.database import SessionDep
from api.disclosure_requests import documents, guide, reports
from api.disclosure_requests.exceptions import ReportAlreadyPublished, ReportCheckFailed
from api.disclosure_requests.schemas import (
    AnnualReportRead,
    AnnualReportUpdate,
    GuideRead,
    GuideSection,
    GuideUpdate,
    PublishIn,
)
from api.disclosure_requests.service import REPLY_DAYS
from api.disclosure_requests.states import REMEDY_TEXT
from api.errors import Forbidden, NotFound, ValidationFailed, responses
from api.files.service import content_disposition

router = APIRouter(prefix="/annual-reports", tags=["annual-reports"])

Year = Annotated[int, Path(ge=2008, le=2100, description="报告年度")]
ReportEditor = Annotated[Principal, Depends(require_role(Role.handler, Role.editor))]
READER_ROLES = (Role.handler, Role.editor, Role.leader)


def _read(report: dict[str, Any]) -> AnnualReportRead:
    layout = {
        "section3_rows": [{"key": k, "label": v} for k, v in reports.ROWS],
        "section3_columns": [{"key": k, "label": reports.COLUMN_LABELS[k]} for k in reports.COLUMNS],
        "section4_rows": [{"key": k, "label": v} for k, v in reports.REVIEW_ROWS],
        "section4_columns": [{"key": k, "label": reports.REVIEW_COLUMN_LABELS[k]} for k in reports.REVIEW_COLUMNS],
        "entered": [{"key": k, "label": v} for k, v in reports.ENTERED.items()],
        "texts": [{"key": k, "label": v} for k, v in reports.TEXTS.items()],
    }
    return AnnualReportRead(**report, layout=layout)


async def _visible(session: SessionDep, principal: Principal | None, year: int) -> dict[str, Any]:
    """Published reports are public; a draft only for the staff who prepare and approve it (404 otherwise)."""
    report = await reports.assemble(session, year)
    if not report["published"] and (principal is None or not principal.has(*READER_ROLES)):
        raise NotFound("该年度报告尚未发布")
    return report


@router.get("/{year}", responses=responses(NotFound))
async def get_annual_report(session: SessionDep, principal: OptionalUser, year: Year) -> AnnualReportRead:
    """政府信息公开工作年度报告: sections 一 to 六, the tables counted from the requests, and any broken check rule."""
    return _read(await _visible(session, principal, year))


@router.put("/{year}", responses=responses(Forbidden, ValidationFailed, ReportAlreadyPublished))
async def save_annual_report(
    session: SessionDep, principal: ReportEditor, year: Year, body: AnnualReportUpdate
) -> AnnualReportRead:
    """Save the text, the entered figures and corrected cells of a draft report."""
    data: dict[str, Any] = {}
    if body.texts is not None:
        data["texts"] = body.texts.model_dump()
    if body.entered is not None:
        data["entered"] = body.entered.model_dump()
    for key in ("section3", "section4"):
        if body.reset_tables:
            data[key] = None
        elif getattr(body, key) is not None:
            data[key] = getattr(body, key)
    await reports.save(session, principal, year, data)
    return _read(await reports.assemble(session, year))


@router.post("/{year}/publish", responses=responses(Forbidden, ValidationFailed, ReportCheckFailed,
                                                     ReportAlreadyPublished))
async def publish_annual_report(
    session: SessionDep, principal: ReportEditor, year: Year, body: PublishIn
) -> AnnualReportRead:
    """Publish, unless a check rule fails (409 naming the cell); the report enters the 年度报告 column for review."""
    return _read(await reports.publish(session, principal, year, body.column_id))


_DOCX: dict[int | str, dict[str, Any]] = {
    200: {"content": {documents.DOCX_TYPE: {}}, "description": "年度报告（Word）"}}
_XLSX: dict[int | str, dict[str, Any]] = {
    200: {"content": {documents.XLSX_TYPE: {}}, "description": "年度报告表格（Excel）"}}


@router.get("/{year}/report.docx", response_class=Response, responses={**responses(NotFound), **_DOCX})
async def export_annual_report_docx(session: SessionDep, principal: OptionalUser, year: Year) -> Response:
    """The report as .docx in the official layout."""
    report = await _visible(session, principal, year)
    return Response(documents.report_docx(report, ""), media_type=documents.DOCX_TYPE,
                    headers={"Content-Disposition": content_disposition(f"{year}年政府信息公开工作年度报告.docx")})


@router.get("/{year}/report.xlsx", response_class=Response, responses={**responses(NotFound), **_XLSX})
async def export_annual_report_xlsx(session: SessionDep, principal: OptionalUser, year: Year) -> Response:
    """The report's tables as .xlsx."""
    report = await _visible(session, principal, year)
    return Response(documents.report_xlsx(report), media_type=documents.XLSX_TYPE,
                    headers={"Content-Disposition": content_disposition(f"{year}年政府信息公开工作年度报告.xlsx")})


guide_router = APIRouter(prefix="/disclosure-guide", tags=["disclosure-requests"])
GuideEditor = Annotated[Principal, Depends(require_role(Role.editor))]


@guide_router.get("")
async def get_disclosure_guide(session: SessionDep) -> GuideRead:
    """政府信息公开指南: how to apply, where, the deadlines, fees and remedies."""
    return GuideRead(sections=[GuideSection(**s) for s in await guide.sections(session)],
                     remedy=REMEDY_TEXT, reply_days=REPLY_DAYS)


@guide_router.put("", responses=responses(Forbidden, ValidationFailed))
async def save_disclosure_guide(session: SessionDep, principal: GuideEditor, body: GuideUpdate) -> GuideRead:
    """Replace the guide's sections (信息员)."""
    saved = await guide.save(session, principal, [s.model_dump() for s in body.sections])
    return GuideRead(sections=[GuideSection(**s) for s in saved], remedy=REMEDY_TEXT, reply_days=REPLY_DAYS)

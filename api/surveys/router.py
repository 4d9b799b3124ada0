from datetime import datetime

from fastapi import APIRouter, Request, Response, UploadFile, status
from sqlalchemy.orm import selectinload

from api.auth.dependencies import OptionalUser, StaffUser, client_ip
from api.captcha.service import CaptchaInvalid
from api.database import SessionDep, utcnow
from api.errors import Forbidden, InvalidTransition, NotFound, RateLimited, ValidationFailed, responses
from api.files import service as files
from api.files.schemas import DOWNLOAD_RESPONSES
from api.surveys import service
from api.surveys.exceptions import (
    AlreadyResponded,
    ConsultationNotFound,
    NotAccepting,
    PeriodNotOver,
    SummaryRequired,
    SurveyNotFound,
)
from api.surveys.models import Consultation, Survey
from api.surveys.schemas import (
    CommentRead,
    ConsultationAttachmentRead,
    ConsultationCommentIn,
    ConsultationCreate,
    ConsultationOpen,
    ConsultationRead,
    QuestionRead,
    ResponseIn,
    SummaryIn,
    SurveyCreate,
    SurveyRead,
    SurveyResults,
)
from api.validation import Id
from api.wechat import service as wechat
from api.wechat.exceptions import ContentRisky

surveys_router = APIRouter(prefix="/surveys", tags=["surveys"])
consultations_router = APIRouter(prefix="/consultations", tags=["consultations"])

SurveyId = Id
ConsultationId = Id


def _survey_read(s: Survey, now: datetime) -> SurveyRead:
    return SurveyRead(id=s.id, title=s.title, description=s.description, audience=s.audience, status=s.status,
                      opens_at=s.opens_at, closes_at=s.closes_at, accepting=service.accepting(s, now),
                      closed=service.is_closed(s, now),
                      questions=[QuestionRead(id=q.id, kind=q.kind, text=q.text, options=q.options,
                                              required=q.required) for q in s.questions])


@surveys_router.get("")
async def list_surveys(session: SessionDep, principal: OptionalUser) -> list[SurveyRead]:
    """Surveys the caller may see, the latest closing first (editors also see drafts)."""
    stmt = service.surveys_readable_by(principal).options(selectinload(Survey.questions)) \
        .order_by(Survey.closes_at.desc(), Survey.id.desc()).limit(100)
    now = utcnow()
    return [_survey_read(s, now) for s in (await session.execute(stmt)).scalars()]


@surveys_router.post("", status_code=status.HTTP_201_CREATED, responses=responses(Forbidden, ValidationFailed))
async def create_survey(session: SessionDep, principal: StaffUser, body: SurveyCreate) -> SurveyRead:
    """An editor drafts a survey with its questions, times and audience."""
    return _survey_read(await service.create_survey(session, principal, body), utcnow())


@surveys_router.get("/{survey_id}", responses=responses(SurveyNotFound))
async def get_survey(session: SessionDep, principal: OptionalUser, survey_id: SurveyId) -> SurveyRead:
    """One survey and its questions, and whether the signed-in caller has already answered it."""
    survey = await service.get_survey(session, principal, survey_id)
    read = _survey_read(survey, utcnow())
    read.responded = await service.has_responded(session, principal, survey)
    return read


@surveys_router.put("/{survey_id}", responses=responses(SurveyNotFound, Forbidden, InvalidTransition, ValidationFailed))
async def update_survey(session: SessionDep, principal: StaffUser, survey_id: SurveyId, body: SurveyCreate
                        ) -> SurveyRead:
    """An editor rewrites a draft survey: its fields, times and questions."""
    survey = await service.get_survey(session, principal, survey_id)
    return _survey_read(await service.update_survey(session, principal, survey, body), utcnow())


@surveys_router.post("/{survey_id}/close", responses=responses(SurveyNotFound, Forbidden, InvalidTransition))
async def close_survey(session: SessionDep, principal: StaffUser, survey_id: SurveyId) -> SurveyRead:
    """End a running survey now; its results are published."""
    survey = await service.get_survey(session, principal, survey_id)
    await service.close_survey(session, principal, survey)
    return _survey_read(survey, utcnow())


@surveys_router.post("/{survey_id}/publish", responses=responses(SurveyNotFound, Forbidden, InvalidTransition))
async def publish_survey(session: SessionDep, principal: StaffUser, survey_id: SurveyId) -> SurveyRead:
    """Publish a drafted survey; it accepts responses between its open and close times."""
    survey = await service.get_survey(session, principal, survey_id)
    await service.publish_survey(session, principal, survey)
    return _survey_read(survey, utcnow())


@surveys_router.post("/{survey_id}/cancel", responses=responses(SurveyNotFound, Forbidden, InvalidTransition))
async def cancel_survey(session: SessionDep, principal: StaffUser, survey_id: SurveyId) -> SurveyRead:
    """Withdraw a survey."""
    survey = await service.get_survey(session, principal, survey_id)
    await service.cancel_survey(session, principal, survey)
    return _survey_read(survey, utcnow())


@surveys_router.post("/{survey_id}/responses", status_code=status.HTTP_204_NO_CONTENT,
                     responses=responses(SurveyNotFound, NotAccepting, AlreadyResponded, CaptchaInvalid,
                                         RateLimited, ValidationFailed, Forbidden, ContentRisky))
async def respond_to_survey(
    request: Request, session: SessionDep, principal: OptionalUser, survey_id: SurveyId, body: ResponseIn
) -> None:
    """Answer a survey once; anonymous respondents solve the captcha. A WeChat user's text answers go through
    WeChat's msg_sec_check first (when WeChat is configured): 422 content_risky."""
    survey = await service.get_survey(session, principal, survey_id)
    if principal is not None:
        await wechat.check_text(session, principal.id, *[v for v in body.answers.values() if isinstance(v, str)])
    await service.respond(session, principal, survey, body, client_ip(request))


@surveys_router.get("/{survey_id}/results", responses=responses(SurveyNotFound))
async def get_survey_results(session: SessionDep, principal: OptionalUser, survey_id: SurveyId) -> SurveyResults:
    """Results once the survey has closed; before that only the editors see how many responded."""
    survey = await service.get_survey(session, principal, survey_id)
    return await service.results(session, principal, survey)


async def _consultation_read(session: SessionDep, c: Consultation) -> ConsultationRead:
    return ConsultationRead(
        id=c.id, title=c.title, description=c.description, draft_text=c.draft_text, status=c.status,
        min_days=c.min_days, opens_at=c.opens_at, closes_at=c.closes_at, summary=c.summary,
        summary_published_at=c.summary_published_at, comment_count=await service.comment_count(session, c),
        attachments=[ConsultationAttachmentRead(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
                     for a in await service.attachments(session, c)])


_C_ERRORS = responses(ConsultationNotFound, Forbidden, InvalidTransition, ValidationFailed)


@consultations_router.get("")
async def list_consultations(session: SessionDep, principal: OptionalUser) -> list[ConsultationRead]:
    """Consultations open or closed (editors also see drafts), newest first."""
    stmt = service.consultations_readable_by(principal).order_by(Consultation.id.desc()).limit(100)
    return [await _consultation_read(session, c) for c in (await session.execute(stmt)).scalars()]


@consultations_router.post("", status_code=status.HTTP_201_CREATED, responses=_C_ERRORS)
async def create_consultation(session: SessionDep, principal: StaffUser, body: ConsultationCreate) -> ConsultationRead:
    """An editor drafts a consultation on a draft document."""
    return await _consultation_read(session, await service.create_consultation(session, principal, body))


@consultations_router.get("/{consultation_id}", responses=responses(ConsultationNotFound))
async def get_consultation(session: SessionDep, principal: OptionalUser, consultation_id: ConsultationId
                           ) -> ConsultationRead:
    """One consultation: the draft, its attachments, the period and, once published, the summary."""
    return await _consultation_read(session, await service.get_consultation(session, principal, consultation_id))


@consultations_router.post("/{consultation_id}/attachments", status_code=status.HTTP_201_CREATED,
                           responses=_C_ERRORS)
async def add_consultation_attachment(
    session: SessionDep, principal: StaffUser, consultation_id: ConsultationId, file: UploadFile
) -> ConsultationAttachmentRead:
    """Attach a file to the draft document."""
    c = await service.get_consultation(session, principal, consultation_id)
    a = await service.add_attachment(session, principal, c, file)
    return ConsultationAttachmentRead(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)


@consultations_router.get("/{consultation_id}/attachments/{attachment_id}", response_class=Response,
                          responses={**responses(ConsultationNotFound, NotFound), **DOWNLOAD_RESPONSES})
async def download_consultation_attachment(
    session: SessionDep, principal: OptionalUser, consultation_id: ConsultationId,
    attachment_id: Id,
) -> Response:
    """Download an attachment of a consultation the caller may see."""
    c = await service.get_consultation(session, principal, consultation_id)
    return files.download_response(await service.attachment_file(session, c, attachment_id))


@consultations_router.post("/{consultation_id}/open", responses=_C_ERRORS)
async def open_consultation(
    session: SessionDep, principal: StaffUser, consultation_id: ConsultationId, body: ConsultationOpen
) -> ConsultationRead:
    """Publish the draft and collect comments for at least the minimum period."""
    c = await service.get_consultation(session, principal, consultation_id)
    await service.open_consultation(session, principal, c, body.closes_at)
    return await _consultation_read(session, c)


@consultations_router.post("/{consultation_id}/comments", status_code=status.HTTP_201_CREATED,
                           responses=responses(ConsultationNotFound, NotAccepting, CaptchaInvalid, RateLimited))
async def comment_on_consultation(
    request: Request, session: SessionDep, principal: OptionalUser, consultation_id: ConsultationId,
    body: ConsultationCommentIn,
) -> CommentRead:
    """Send a comment on the draft; anonymous commenters solve the captcha."""
    c = await service.get_consultation(session, principal, consultation_id)
    row = await service.comment(session, principal, c, body, client_ip(request))
    return CommentRead(id=row.id, name=row.name, body=row.body, created_at=row.created_at)


@consultations_router.get("/{consultation_id}/comments", responses=_C_ERRORS)
async def list_consultation_comments(
    session: SessionDep, principal: StaffUser, consultation_id: ConsultationId
) -> list[CommentRead]:
    """The comments received, for the editors who write the summary."""
    c = await service.get_consultation(session, principal, consultation_id)
    return [CommentRead(id=r.id, name=r.name, body=r.body, created_at=r.created_at)
            for r in await service.comments(session, principal, c)]


@consultations_router.post("/{consultation_id}/summary", responses=_C_ERRORS | responses(PeriodNotOver))
async def publish_consultation_summary(
    session: SessionDep, principal: StaffUser, consultation_id: ConsultationId, body: SummaryIn
) -> ConsultationRead:
    """Publish how the comments were used (采纳情况) once the comment period is over."""
    c = await service.get_consultation(session, principal, consultation_id)
    await service.publish_summary(session, principal, c, body.summary)
    return await _consultation_read(session, c)


@consultations_router.post("/{consultation_id}/close",
                           responses=_C_ERRORS | responses(PeriodNotOver, SummaryRequired))
async def close_consultation(session: SessionDep, principal: StaffUser, consultation_id: ConsultationId
                             ) -> ConsultationRead:
    """Close a consultation: only after the minimum period and with a published summary."""
    c = await service.get_consultation(session, principal, consultation_id)
    await service.close_consultation(session, principal, c)
    return await _consultation_read(session, c)

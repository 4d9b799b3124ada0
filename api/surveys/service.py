"""Surveys (民意调查) and consultations (征集意见): rules and queries. Flushes, never commits."""

import hashlib
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from fastapi import UploadFile
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.captcha import service as captcha
from api.cases import service as cases
from api.cases.service import in_units_under
from api.cases.workflow import Workflow
from api.config import get_settings
from api.database import utcnow
from api.errors import Forbidden, InvalidTransition, NotFound, RateLimited, ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.ratelimit import get_counter
from api.surveys.exceptions import (
    AlreadyResponded,
    ConsultationNotFound,
    NotAccepting,
    PeriodNotOver,
    SummaryRequired,
    SurveyNotFound,
)
from api.surveys.models import (
    Consultation,
    ConsultationAttachment,
    ConsultationComment,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)
from api.surveys.schemas import (
    ConsultationCommentIn,
    ConsultationCreate,
    OptionCount,
    QuestionResult,
    ResponseIn,
    SurveyCreate,
    SurveyResults,
)
from api.surveys.states import (
    CONSULTATION,
    SURVEY,
    Audience,
    ConsultationAction,
    ConsultationStatus,
    QuestionKind,
    SurveyAction,
    SurveyStatus,
)

ANON_WRITES_PER_HOUR = 10
MAX_TEXT_ANSWER = 2000
ANONYMOUS = Actor(None, "公众", "public")


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": "survey"}])


def _ip_hash(scope: str, ip: str) -> str:
    return hashlib.sha256(f"{scope}:{ip}".encode()).hexdigest()


async def _anonymous_gate(session: AsyncSession, ip: str, captcha_id: str | None, answer: str | None) -> None:
    count, ttl = await get_counter().incr(f"surveys:anon:{ip}", 3600)
    if count > ANON_WRITES_PER_HOUR:
        raise RateLimited(ttl)
    await captcha.verify(session, captcha_id, answer)


def _editable_by(owner_unit_id: Any, principal: Principal | None) -> Any:
    """Owned by a unit where the caller is an editor (信息员)."""
    return in_units_under(owner_unit_id, principal, Role.editor) if principal else false()


def _allowed(workflow: Workflow[Any, Any], case: Any, action: Any) -> None:
    """409 naming state and action in Chinese, before a step changes anything."""
    if not workflow.can(case.status, action):
        raise workflow.refusal(case.status, action)


def _editor_unit_id(principal: Principal) -> int:
    units = principal.unit_ids(Role.editor)
    if not units:
        raise Forbidden("需要信息员角色")
    return principal.org_unit_id if principal.org_unit_id in units else units[0]


def surveys_readable_by(principal: Principal | None) -> Select[Any]:
    """Editors see their units' surveys in any state; everyone else sees published ones for their audience."""
    audiences = [Audience.public] + ([Audience.staff] if principal and principal.is_staff else [])
    editable = _editable_by(Survey.owner_unit_id, principal)
    return select(Survey).where(or_(
        editable, Survey.status.in_([SurveyStatus.published]) & Survey.audience.in_(audiences)))


async def get_survey(session: AsyncSession, principal: Principal | None, survey_id: int,
                     fresh: bool = False) -> Survey:
    stmt = surveys_readable_by(principal).where(Survey.id == survey_id).options(selectinload(Survey.questions))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    s = (await session.execute(stmt)).scalar_one_or_none()
    if s is None:
        raise SurveyNotFound()
    return s


def may_edit(principal: Principal | None, owner_unit: OrgUnit) -> bool:
    return principal is not None and principal.covers(Role.editor, owner_unit.path)


async def _require_editor(session: AsyncSession, principal: Principal | None, owner_unit_id: int) -> None:
    unit = await session.get(OrgUnit, owner_unit_id)
    if unit is None or not may_edit(principal, unit):
        raise Forbidden("需要该单位的信息员角色")


async def create_survey(session: AsyncSession, principal: Principal, data: SurveyCreate) -> Survey:
    unit_id = _editor_unit_id(principal)
    survey = Survey(title=data.title, description=data.description, audience=data.audience,
                    opens_at=data.opens_at, closes_at=data.closes_at, owner_unit_id=unit_id, created_by_id=principal.id)
    await cases.create(session, survey, principal.actor(Role.editor))
    for i, q in enumerate(data.questions):
        session.add(SurveyQuestion(survey_id=survey.id, position=i, kind=q.kind, text=q.text, options=q.options,
                                   required=q.required))
    await session.flush()
    return await get_survey(session, principal, survey.id)


async def update_survey(session: AsyncSession, principal: Principal, survey: Survey, data: SurveyCreate) -> Survey:
    """Rewrite a draft: its fields and the whole question list (nobody has answered a draft)."""
    await _require_editor(session, principal, survey.owner_unit_id)
    _allowed(SURVEY, survey, SurveyAction.update)
    survey.title, survey.description, survey.audience = data.title, data.description, data.audience
    survey.opens_at, survey.closes_at = data.opens_at, data.closes_at
    for old in list(survey.questions):
        await session.delete(old)
    await session.flush()
    for i, q in enumerate(data.questions):
        session.add(SurveyQuestion(survey_id=survey.id, position=i, kind=q.kind, text=q.text, options=q.options,
                                   required=q.required))
    await cases.transition(session, survey, SurveyAction.update, principal.actor(Role.editor))
    return await get_survey(session, principal, survey.id, fresh=True)


async def close_survey(session: AsyncSession, principal: Principal, survey: Survey,
                       now: datetime | None = None) -> None:
    """End a published survey now instead of at its close time; its results are then published."""
    now = now or utcnow()
    await _require_editor(session, principal, survey.owner_unit_id)
    _allowed(SURVEY, survey, SurveyAction.close)
    if now >= survey.closes_at:
        raise InvalidTransition("只有进行中的调查可以提前结束")
    survey.closes_at = max(now, survey.opens_at)
    await cases.transition(session, survey, SurveyAction.close, principal.actor(Role.editor), note="提前结束", at=now)


async def publish_survey(session: AsyncSession, principal: Principal, survey: Survey) -> None:
    """Publish a draft: it accepts responses between its open and close times."""
    await _require_editor(session, principal, survey.owner_unit_id)
    survey.published_at = utcnow()
    await cases.transition(session, survey, SurveyAction.publish, principal.actor(Role.editor))


async def cancel_survey(session: AsyncSession, principal: Principal, survey: Survey) -> None:
    await _require_editor(session, principal, survey.owner_unit_id)
    await cases.transition(session, survey, SurveyAction.cancel, principal.actor(Role.editor))


async def has_responded(session: AsyncSession, principal: Principal | None, survey: Survey) -> bool:
    """Whether the signed-in caller has answered (anonymous callers are only told when they try again)."""
    if principal is None:
        return False
    return (await session.execute(select(SurveyResponse.id).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.user_id == principal.id))).first() is not None


def accepting(survey: Survey, now: datetime) -> bool:
    return survey.status == SurveyStatus.published and survey.opens_at <= now < survey.closes_at


def is_closed(survey: Survey, now: datetime) -> bool:
    return survey.status == SurveyStatus.published and now >= survey.closes_at


def _check_answers(survey: Survey, answers: dict[int, Any]) -> dict[str, Any]:
    """The cleaned answers; every unanswered or invalid question is reported at once, each on its own field."""
    by_id = {q.id: q for q in survey.questions}
    for qid in answers:
        if qid not in by_id:
            raise _bad(f"answers.{qid}", "没有这道题")
    clean: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for q in survey.questions:
        value = answers.get(q.id)
        field = f"answers.{q.id}"
        problem: str | None = None
        if value is None or value == "" or value == []:
            if q.required:
                errors.append({"field": field, "in": "body", "message": "此题为必答题", "type": "survey"})
            continue
        if q.kind == QuestionKind.single:
            if not isinstance(value, str) or value not in q.options:
                problem = "请选择一个有效选项"
        elif q.kind == QuestionKind.multiple:
            if not isinstance(value, list) or not value or any(v not in q.options for v in value) \
                    or len(set(value)) != len(value):
                problem = "请选择有效选项"
        elif q.kind == QuestionKind.rating:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                problem = "评分须为 1 到 5 的整数"
        elif not isinstance(value, str) or len(value.strip()) > MAX_TEXT_ANSWER:
            problem = f"请填写不超过 {MAX_TEXT_ANSWER} 字的文字"
        else:
            value = value.strip()
        if problem:
            errors.append({"field": field, "in": "body", "message": problem, "type": "survey"})
        else:
            clean[str(q.id)] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


async def respond(session: AsyncSession, principal: Principal | None, survey: Survey, data: ResponseIn, ip: str,
                  now: datetime | None = None) -> None:
    """One response per user (anonymous: per hashed IP, after the captcha and the per-IP limit)."""
    now = now or utcnow()
    if not accepting(survey, now):
        raise NotAccepting("调查未开始或已结束")
    if survey.audience == Audience.staff and (principal is None or not principal.is_staff):
        raise Forbidden("本调查仅限工作人员参与")
    ip_hash = None
    if principal is None:
        ip_hash = _ip_hash(f"survey:{survey.id}", ip)
        taken = (await session.execute(select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.ip_hash == ip_hash))).first()
        if taken:
            raise AlreadyResponded()
        await _anonymous_gate(session, ip, data.captcha_id, data.captcha_answer)
    elif (await session.execute(select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.user_id == principal.id))).first():
        raise AlreadyResponded()
    answers = _check_answers(survey, data.answers)
    try:
        async with session.begin_nested():
            session.add(SurveyResponse(survey_id=survey.id, user_id=principal.id if principal else None,
                                       ip_hash=ip_hash, answers=answers, submitted_at=now))
    except IntegrityError:
        raise AlreadyResponded() from None


async def results(session: AsyncSession, principal: Principal | None, survey: Survey,
                  now: datetime | None = None) -> SurveyResults:
    """Hidden until the survey closes (editors see only the count); then counts, averages and texts."""
    now = now or utcnow()
    count = (await session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.survey_id == survey.id))).scalar_one()
    if not is_closed(survey, now):
        unit = await session.get(OrgUnit, survey.owner_unit_id)
        visible = unit is not None and may_edit(principal, unit)
        return SurveyResults(survey_id=survey.id, published=False, response_count=count if visible else None,
                             questions=[])
    rows = (await session.execute(select(SurveyResponse.answers).where(
        SurveyResponse.survey_id == survey.id))).scalars().all()
    out = []
    for q in survey.questions:
        values = [r[str(q.id)] for r in rows if str(q.id) in r]
        result = QuestionResult(question_id=q.id, kind=q.kind, text=q.text, answered=len(values))
        if q.kind in (QuestionKind.single, QuestionKind.multiple):
            tally = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
            result.options = [OptionCount(option=o, count=tally.get(o, 0)) for o in q.options]
        elif q.kind == QuestionKind.rating:
            tally = Counter(int(v) for v in values)
            result.rating_counts = [OptionCount(option=str(i), count=tally.get(i, 0)) for i in range(1, 6)]
            result.rating_average = round(sum(values) / len(values), 2) if values else None
        else:
            result.texts = [str(v) for v in values][:200]
        out.append(result)
    return SurveyResults(survey_id=survey.id, published=True, response_count=count, questions=out)


def consultations_readable_by(principal: Principal | None) -> Select[Any]:
    editable = _editable_by(Consultation.owner_unit_id, principal)
    return select(Consultation).where(or_(
        editable, Consultation.status.in_([ConsultationStatus.open, ConsultationStatus.closed])))


async def get_consultation(session: AsyncSession, principal: Principal | None, consultation_id: int
                           ) -> Consultation:
    c = (await session.execute(consultations_readable_by(principal).where(
        Consultation.id == consultation_id))).scalar_one_or_none()
    if c is None:
        raise ConsultationNotFound()
    return c


async def create_consultation(session: AsyncSession, principal: Principal, data: ConsultationCreate
                              ) -> Consultation:
    minimum = get_settings().consultation_min_days
    if data.min_days is not None and data.min_days < minimum:
        raise _bad("min_days", f"征求意见期不得少于 {minimum} 天")
    c = Consultation(title=data.title, description=data.description, draft_text=data.draft_text,
                     min_days=data.min_days or minimum, owner_unit_id=_editor_unit_id(principal),
                     created_by_id=principal.id)
    await cases.create(session, c, principal.actor(Role.editor))
    return c


def period_end(c: Consultation) -> datetime:
    assert c.opens_at is not None
    return c.opens_at + timedelta(days=c.min_days)


async def open_consultation(session: AsyncSession, principal: Principal, c: Consultation,
                            closes_at: datetime | None, now: datetime | None = None) -> None:
    """Publish the draft and start collecting comments for at least min_days."""
    now = now or utcnow()
    if closes_at is not None and closes_at.tzinfo is None:
        raise _bad("closes_at", "时间须带时区")
    await _require_editor(session, principal, c.owner_unit_id)
    _allowed(CONSULTATION, c, ConsultationAction.open)
    c.opens_at = now
    if closes_at is not None and closes_at < period_end(c):
        raise _bad("closes_at", f"征求意见期不得少于 {c.min_days} 天")
    c.closes_at = closes_at or period_end(c)
    await cases.transition(session, c, ConsultationAction.open, principal.actor(Role.editor), at=now)


async def comment(session: AsyncSession, principal: Principal | None, c: Consultation,
                  data: ConsultationCommentIn, ip: str,
                  now: datetime | None = None) -> ConsultationComment:
    now = now or utcnow()
    if c.status != ConsultationStatus.open or c.closes_at is None or now >= c.closes_at:
        raise NotAccepting("意见征集未开始或已截止")
    if principal is None:
        await _anonymous_gate(session, ip, data.captcha_id, data.captcha_answer)
    row = ConsultationComment(consultation_id=c.id, user_id=principal.id if principal else None,
                              ip_hash=_ip_hash(f"consultation:{c.id}", ip) if principal is None else None,
                              name=data.name or (principal.display_name if principal else None), body=data.body,
                              created_at=now)
    session.add(row)
    await session.flush()
    return row


async def publish_summary(session: AsyncSession, principal: Principal, c: Consultation, summary: str,
                          now: datetime | None = None) -> None:
    """采纳情况: how the comments were used, published once the comment period is over."""
    now = now or utcnow()
    await _require_editor(session, principal, c.owner_unit_id)
    _allowed(CONSULTATION, c, ConsultationAction.summary)
    if c.closes_at is None or now < c.closes_at:
        raise PeriodNotOver("征求意见期结束后才能公布采纳情况")
    c.summary, c.summary_published_at = summary, now
    await cases.transition(session, c, ConsultationAction.summary, principal.actor(Role.editor), note=summary[:200],
                           at=now)


async def close_consultation(session: AsyncSession, principal: Principal, c: Consultation,
                             now: datetime | None = None) -> None:
    """Close only after the minimum period and with a published summary."""
    now = now or utcnow()
    await _require_editor(session, principal, c.owner_unit_id)
    _allowed(CONSULTATION, c, ConsultationAction.close)
    if now < period_end(c) or (c.closes_at is not None and now < c.closes_at):
        raise PeriodNotOver()
    if not c.summary:
        raise SummaryRequired()
    c.closed_at = now
    await cases.transition(session, c, ConsultationAction.close, principal.actor(Role.editor), at=now)


async def add_attachment(session: AsyncSession, principal: Principal, c: Consultation, upload: UploadFile
                         ) -> ConsultationAttachment:
    await _require_editor(session, principal, c.owner_unit_id)
    if c.status == ConsultationStatus.closed:
        raise InvalidTransition("征集已结束，不能再添加附件")
    stored = await files.store_upload(session, upload, ATTACHMENT_OWNER, None, principal.id)
    row = ConsultationAttachment(consultation_id=c.id, attachment_id=stored.id, filename=stored.filename,
                                 content_type=stored.content_type, size=stored.size, sha256=stored.sha256)
    session.add(row)
    await session.flush()
    stored.owner_id = row.id
    await session.flush()
    return row


ATTACHMENT_OWNER = "consultation_attachment"  # the files kernel's owner_type; owner_id is ConsultationAttachment.id


async def attachment_file(session: AsyncSession, c: Consultation, attachment_id: int) -> Attachment:
    """The stored file of one of this consultation's attachments (404 for any other id)."""
    row = (await session.execute(select(ConsultationAttachment).where(
        ConsultationAttachment.id == attachment_id, ConsultationAttachment.consultation_id == c.id))
    ).scalar_one_or_none()
    if row is None or row.attachment_id is None:
        raise NotFound("附件不存在")
    return await files.get_for(session, ATTACHMENT_OWNER, row.id, row.attachment_id)


async def attachments(session: AsyncSession, c: Consultation) -> list[ConsultationAttachment]:
    return list((await session.execute(select(ConsultationAttachment).where(
        ConsultationAttachment.consultation_id == c.id).order_by(ConsultationAttachment.id))).scalars())


async def comment_count(session: AsyncSession, c: Consultation) -> int:
    return (await session.execute(select(func.count(ConsultationComment.id)).where(
        ConsultationComment.consultation_id == c.id))).scalar_one()


async def comments(session: AsyncSession, principal: Principal, c: Consultation) -> list[ConsultationComment]:
    await _require_editor(session, principal, c.owner_unit_id)
    return list((await session.execute(select(ConsultationComment).where(
        ConsultationComment.consultation_id == c.id).order_by(ConsultationComment.id))).scalars())

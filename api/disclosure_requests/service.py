"""依申请公开: who sees which request, who may do what to it, and every step the 条例 allows, each through the
case kernel's transition (event row, audit record, notice to the applicant) and api/calendar's clock.

The clock: 20 working days from Art. 31's date of receipt; a 补正 notice pauses it and the corrected request
restarts it from zero (Art. 30); consulting a third party or another agency, and a 收费通知, pause it (Art. 33,
国办函〔2020〕109号); one extension of at most 20 working days (Art. 33). Flushes, never commits."""

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.models import DeadlineClock
from api.calendar.schemas import ClockRead
from api.calendar.workdays import SHANGHAI, local_date
from api.cases import service as cases
from api.database import utcnow
from api.disclosure_requests import fees
from api.disclosure_requests.exceptions import (
    AlreadyExtended,
    DeadlineNotPassed,
    DeadlinePassed,
    DisclosureRequestNotFound,
    NoFeeDue,
    OnTheSpotNotAllowed,
    SupplementNotAllowed,
)
from api.disclosure_requests.models import DisclosureRequest, DisclosureRequestEvent
from api.disclosure_requests.schemas import (
    ConsultIn,
    DisclosureRequestCreate,
    DisclosureRequestRecord,
    EndConsultationIn,
    ExtendIn,
    FeeNoticeIn,
    ReplyIn,
    ReviewIn,
    SupplementIn,
    SupplementRequestIn,
)
from api.disclosure_requests.states import (
    CHANNEL_LABELS,
    CLOSING_REASONS,
    CONSULT_KIND_LABELS,
    DISCLOSURE_REQUEST,
    FEE_METHOD_LABELS,
    LEGAL_BASIS,
    OUTCOME_LABELS,
    REASON_LABELS,
    REASONS,
    REMEDY_TEXT,
    REVIEW_KIND_LABELS,
    REVIEW_RESULT_LABELS,
    FeeMethod,
    Outcome,
    Reason,
    ReceiptChannel,
    RequestAction,
    RequestStatus,
)
from api.errors import Forbidden, NotFound, ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.pagination import keyset_page

A = RequestAction
WORD = DISCLOSURE_REQUEST
REPLY_DAYS = 20  # Art. 33
SUPPLEMENT_WITHIN_DAYS = 7  # Art. 30
CONSULT_DAYS = 15  # Art. 32 (third party), Art. 34 (other agencies)
MAX_EXTENSION_DAYS = 20  # Art. 33
HANDLER_ROLES = (Role.handler,)
READER_ROLES = (Role.handler, Role.leader)  # leaders read, only handlers act
APPLICATION_FILES = "disclosure_request"  # the files kernel's owner_type for the applicant's materials
REPLY_FILES = "disclosure_request_reply"  # the reply's disclosed files
UPLOAD_FILES = "disclosure_request_upload"  # uploaded for an application not yet submitted (owner: the uploader)


def bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "in": "body", "message": message, "type": "disclosure_request"}])


def today(now: datetime | None = None) -> date:
    return local_date(now or utcnow())


def readable_by(principal: Principal) -> Select[Any]:
    """The applicant's own requests; staff: requests to units where they are handler or leader."""
    conditions: list[Any] = [DisclosureRequest.applicant_id == principal.id]
    if principal.is_staff:
        conditions.append(cases.in_units_under(DisclosureRequest.unit_id, principal, *READER_ROLES))
    return select(DisclosureRequest).where(or_(*conditions))


def with_relations(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(selectinload(DisclosureRequest.unit))


# Paused and finished requests (no running deadline) sort after every running one.
_NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


async def listing(session: AsyncSession, principal: Principal, mine: bool, status: RequestStatus | None,
                  cursor: str | None, limit: int) -> tuple[list[DisclosureRequest], str | None]:
    """The applicant's own requests newest first; for staff, every request of their units by urgency."""
    stmt = with_relations(readable_by(principal))
    if status is not None:
        stmt = stmt.where(DisclosureRequest.status == status)
    if mine or not principal.is_staff:
        stmt = stmt.where(DisclosureRequest.applicant_id == principal.id)
        return await keyset_page(session, stmt, [(DisclosureRequest.id, True)], lambda r: [r.id], cursor, limit)
    due = func.coalesce(DeadlineClock.deadline_at, _NO_DEADLINE).label("due")
    stmt = stmt.outerjoin(DeadlineClock, cases.clock_join(WORD, DisclosureRequest.id)).add_columns(due)
    found, next_cursor = await keyset_page(session, stmt, [(due, False), (DisclosureRequest.id, False)],
                                           lambda row: [row[1], row[0].id], cursor, limit, scalars=False)
    return [row[0] for row in found], next_cursor


async def get_request(session: AsyncSession, principal: Principal, request_id: int,
                      for_update: bool = False) -> DisclosureRequest:
    stmt = with_relations(readable_by(principal).where(DisclosureRequest.id == request_id))
    if for_update:
        stmt = stmt.with_for_update(of=DisclosureRequest)
    r = (await session.execute(stmt)).scalar_one_or_none()
    if r is None:
        raise DisclosureRequestNotFound()
    return r


def is_handler(principal: Principal, r: DisclosureRequest) -> bool:
    return principal.covers(Role.handler, r.unit.path)


def may(principal: Principal, r: DisclosureRequest, action: RequestAction) -> bool:
    if action == A.supplement:
        return r.applicant_id == principal.id or is_handler(principal, r)
    return action != A.submit and is_handler(principal, r)


def allowed_actions(principal: Principal, r: DisclosureRequest) -> list[str]:
    out = []
    for action in WORD.allowed_actions(r.status):
        if not may(principal, r, action):
            continue
        if action == A.request_supplement and r.supplement_note is not None:
            continue
        if action == A.extend and r.extension_days:
            continue
        if action == A.reply_on_the_spot and not on_the_spot_possible(r):
            continue
        out.append(action.value)
    return out


def require(principal: Principal, r: DisclosureRequest, action: RequestAction) -> None:
    """403 unless the caller may take `action`; 409 (in Chinese) unless the workflow allows it now."""
    if not may(principal, r, action):
        raise Forbidden("您无权对该申请执行此操作")
    if not WORD.can(r.status, action):
        raise WORD.refusal(r.status, action)


def receipt_instant(received: date, now: datetime) -> datetime:
    """When the clock starts: now for a request received today, else noon (Shanghai) of the receipt date."""
    if received == local_date(now):
        return now
    return datetime.combine(received, time(12), SHANGHAI)


async def _unit(session: AsyncSession, unit_id: int) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise bad("unit_id", "受理机关不存在")
    return unit


async def create(session: AsyncSession, principal: Principal, data: DisclosureRequestCreate,
                 now: datetime | None = None) -> DisclosureRequest:
    """An online request (the applicant signed in; received today) or one staff record from a letter, fax,
    e-mail or walk-in with its channel and Art. 31 date of receipt. Starts the 20-working-day clock."""
    now = now or utcnow()
    unit = await _unit(session, data.unit_id)
    recorded = isinstance(data, DisclosureRequestRecord)
    if recorded:
        assert isinstance(data, DisclosureRequestRecord)
        if not principal.covers(Role.handler, unit.path):
            raise Forbidden("只有受理机关的经办人可以登记申请")
        if data.received_date > local_date(now):
            raise bad("received_date", "收到申请的日期不能晚于今天")
        channel, received = data.channel, data.received_date
    else:
        channel, received = ReceiptChannel.online, local_date(now)
    fields = data.model_dump(exclude={"channel", "received_date", "attachment_ids"})
    r = DisclosureRequest(**fields, tracking_no=f"TMP{now.timestamp():.6f}"[:24], channel=channel,
                          received_date=received, submitted_at=now, status=WORD.initial,
                          applicant_id=None if recorded else principal.id,
                          recorded_by_id=principal.id if recorded else None)
    session.add(r)
    await session.flush()
    r.tracking_no = f"YSQ{received:%Y%m%d}{r.id:06d}"
    claimed = await claim_uploads(session, principal, r, data.attachment_ids)
    note = f"{unit.name}收到申请（{channel_note(channel)}）" + (f"，附材料 {len(claimed)} 份" if claimed else "")
    # Opened by hand rather than cases.create(): the audit record carries the tracking number, which needs the id.
    await cases.record(session, r, WORD.opening(principal.actor(), now, note=note, detail={
        "channel": channel, "received_date": received,
        "attachments": [{"id": a.id, "filename": a.filename, "sha256": a.sha256} for a in claimed]}))
    await cases.start_clock(session, r, REPLY_DAYS, principal.actor(), at=receipt_instant(received, now))
    await cases.flush(session)
    return await load(session, r.id)


async def upload(session: AsyncSession, principal: Principal, file: Any) -> Attachment:
    """A file for an application not yet submitted (413 too large, 415 wrong type); the application claims it."""
    return await files.store_upload(session, file, UPLOAD_FILES, principal.id, principal.id)


async def claim_uploads(session: AsyncSession, principal: Principal, r: DisclosureRequest,
                        ids: list[int]) -> list[Attachment]:
    """The caller's own unclaimed uploads named in the application become its materials; any other id is a 422."""
    if not ids:
        return []
    rows = list((await session.execute(select(Attachment).where(
        Attachment.id.in_(ids), Attachment.owner_type == UPLOAD_FILES, Attachment.owner_id == principal.id,
        Attachment.uploaded_by_id == principal.id).order_by(Attachment.id))).scalars())
    if len(rows) != len(set(ids)):
        raise bad("attachment_ids", "附件不存在或已被使用，请重新上传")
    for row in rows:
        row.owner_type, row.owner_id = APPLICATION_FILES, r.id
    await session.flush()
    return rows


def channel_note(channel: ReceiptChannel) -> str:
    return CHANNEL_LABELS[channel]


async def load(session: AsyncSession, request_id: int) -> DisclosureRequest:
    return (await session.execute(with_relations(select(DisclosureRequest).where(DisclosureRequest.id == request_id))
                                  .execution_options(populate_existing=True))).scalar_one()


async def _clock(session: AsyncSession, r: DisclosureRequest) -> Any:
    clock = await cases.clock_of(session, r)
    assert clock is not None, "every request starts its clock when it is received"
    return clock


async def current_clock(session: AsyncSession, r: DisclosureRequest, now: datetime | None = None) -> ClockRead | None:
    clock = await cases.clock_of(session, r)
    return await calendar.clock_state(session, clock, now) if clock else None


async def request_supplement(session: AsyncSession, principal: Principal, r: DisclosureRequest,
                             data: SupplementRequestIn, now: datetime | None = None) -> None:
    """Art. 30: one notice, within 7 working days of receipt, saying what to correct and by when."""
    require(principal, r, A.request_supplement)
    now = now or utcnow()
    day = today(now)
    if r.supplement_note is not None:
        raise SupplementNotAllowed("补正通知只能发出一次")
    cal = await calendar.load_calendar(session, r.received_date, day)
    if cal.working_days_between(r.received_date, day) > SUPPLEMENT_WITHIN_DAYS:
        raise SupplementNotAllowed(f"补正须在收到申请之日起 {SUPPLEMENT_WITHIN_DAYS} 个工作日内一次性告知")
    if data.due_date <= day:
        raise bad("due_date", "补正期限应晚于今天")
    r.supplement_note, r.supplement_due_date = data.note, data.due_date
    await calendar.pause_clock(session, await _clock(session, r), principal.actor(), "告知补正", at=now)
    await cases.transition(session, r, A.request_supplement, principal.actor(), at=now,
                           note=f"请于 {data.due_date:%Y年%m月%d日} 前补正：{data.note}")


async def supplement(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: SupplementIn,
                     now: datetime | None = None) -> None:
    """The corrected request: the 20 working days run again from its receipt (Art. 30)."""
    require(principal, r, A.supplement)
    now = now or utcnow()
    day = today(now)
    assert r.supplement_due_date is not None
    if day > r.supplement_due_date:
        raise DeadlinePassed("补正期限已过")
    r.supplement_text, r.supplemented_date = data.text, day
    await calendar.restart_clock(session, await _clock(session, r), principal.actor(), "收到补正后的申请", at=now)
    await cases.transition(session, r, A.supplement, principal.actor(), at=now, note=data.text)


async def _finish(session: AsyncSession, actor: Actor, r: DisclosureRequest, action: RequestAction,
                  outcome: Outcome, reason: Reason | None, legal_basis: str, body: str, now: datetime,
                  note: str | None = None) -> None:
    r.outcome, r.reason, r.legal_basis, r.reply_body = outcome, reason, legal_basis, body
    r.finished_date = today(now)
    await cases.stop_clock(session, r, actor)
    label = OUTCOME_LABELS[outcome] + (f"（{REASON_LABELS[reason]}）" if reason else "")
    await cases.transition(session, r, action, actor, at=now, note=f"{label}{note}" if note else label,
                           detail={"outcome": outcome, "reason": reason})


async def lapse(session: AsyncSession, actor: Actor, r: DisclosureRequest, action: RequestAction,
                now: datetime | None = None, note: str | None = None) -> None:
    """Close a request whose 补正 or payment deadline has passed (其他处理: 逾期不补正 / 逾期未缴费). The handler's
    close and the scheduled job (api/disclosure_requests/deadlines.py) both end here; the caller checks."""
    now = now or utcnow()
    reason = Reason.no_supplement if action == A.close_no_supplement else Reason.unpaid
    await _finish(session, actor, r, action, Outcome.other, reason, LEGAL_BASIS[reason],
                  reply_template(r, Outcome.other, reason), now, note)


async def close_no_supplement(session: AsyncSession, principal: Principal, r: DisclosureRequest,
                              now: datetime | None = None) -> None:
    """No correction by the deadline: the request is deemed withdrawn (视为放弃, Art. 30)."""
    require(principal, r, A.close_no_supplement)
    now = now or utcnow()
    assert r.supplement_due_date is not None
    if today(now) <= r.supplement_due_date:
        raise DeadlineNotPassed(f"补正期限至 {r.supplement_due_date:%Y年%m月%d日}，尚未届满")
    await lapse(session, principal.actor(), r, A.close_no_supplement, now)


async def extend(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: ExtendIn,
                 now: datetime | None = None) -> None:
    """Art. 33: once, by at most 20 working days, with the approving head named; the applicant is told."""
    require(principal, r, A.extend)
    if r.extension_days:
        raise AlreadyExtended()
    now = now or utcnow()
    r.extension_days, r.extension_approver, r.extension_reason = data.days, data.approver, data.reason
    await calendar.extend_clock(session, await _clock(session, r), data.days, principal.actor(),
                                f"{data.approver}批准：{data.reason}", at=now)
    await cases.transition(session, r, A.extend, principal.actor(), at=now,
                           note=f"答复期限延长 {data.days} 个工作日（经{data.approver}批准）：{data.reason}")


async def consult(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: ConsultIn,
                  now: datetime | None = None) -> None:
    """Arts. 32 and 34: ask a third party or another agency (15 working days to answer); the time is not counted."""
    require(principal, r, A.consult)
    now = now or utcnow()
    due = (await calendar.add_working_days(session, today(now), CONSULT_DAYS)).deadline_date
    r.consult_kind, r.consult_party, r.consult_due_date = data.kind, data.party, due
    label = CONSULT_KIND_LABELS[data.kind]
    await calendar.pause_clock(session, await _clock(session, r), principal.actor(), f"{label}：{data.party}", at=now)
    await cases.transition(session, r, A.consult, principal.actor(), at=now,
                           note=f"{label}（{data.party}，{due:%Y年%m月%d日}前答复），期间不计入答复期限"
                                + (f"：{data.note}" if data.note else ""))


async def end_consultation(session: AsyncSession, principal: Principal, r: DisclosureRequest,
                           data: EndConsultationIn, now: datetime | None = None) -> None:
    require(principal, r, A.end_consultation)
    now = now or utcnow()
    await resume_after_consultation(session, principal.actor(), r, now, now, data.note)


async def resume_after_consultation(session: AsyncSession, actor: Actor, r: DisclosureRequest, resume_at: datetime,
                                    now: datetime, note: str | None) -> None:
    """The clock runs again from `resume_at` (the answer, or the end of the 15 days when none came)."""
    await calendar.resume_clock(session, await _clock(session, r), actor, at=resume_at)
    await cases.transition(session, r, A.end_consultation, actor, at=now, note=note)


async def nth_in_month(session: AsyncSession, r: DisclosureRequest) -> int:
    """Which of the applicant's applications of the calendar month this one is (by identity number)."""
    first = r.received_date.replace(day=1)
    return int((await session.execute(select(func.count()).select_from(DisclosureRequest).where(
        DisclosureRequest.identity_no == r.identity_no, DisclosureRequest.received_date >= first,
        DisclosureRequest.received_date <= r.received_date, DisclosureRequest.id <= r.id))).scalar_one())


async def quote(session: AsyncSession, r: DisclosureRequest, method: FeeMethod, pages: int | None) -> tuple[int, int]:
    """(quantity, yuan): the month's application number and its fee, or the pages and theirs."""
    if method == FeeMethod.item:
        nth = await nth_in_month(session, r)
        return nth, fees.item_fee(nth)
    assert pages is not None
    return pages, fees.page_fee(pages)


async def notify_fee(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: FeeNoticeIn,
                     now: datetime | None = None) -> None:
    """收费通知: the fee by one method; the clock waits for the payment."""
    require(principal, r, A.notify_fee)
    now = now or utcnow()
    if data.due_date <= today(now):
        raise bad("due_date", "缴费期限应晚于今天")
    quantity, amount = await quote(session, r, data.method, data.pages)
    if amount == 0:
        raise NoFeeDue()
    r.fee_method, r.fee_quantity, r.fee_amount, r.fee_due_date = data.method, quantity, amount, data.due_date
    await calendar.pause_clock(session, await _clock(session, r), principal.actor(), "发出收费通知", at=now)
    await cases.transition(session, r, A.notify_fee, principal.actor(), at=now,
                           note=f"信息处理费 {amount} 元（{FEE_METHOD_LABELS[data.method]}），"
                                f"请于 {data.due_date:%Y年%m月%d日} 前缴纳")


async def record_payment(session: AsyncSession, principal: Principal, r: DisclosureRequest,
                         now: datetime | None = None) -> None:
    require(principal, r, A.record_payment)
    now = now or utcnow()
    r.fee_paid_date = today(now)
    await calendar.resume_clock(session, await _clock(session, r), principal.actor(), at=now)
    await cases.transition(session, r, A.record_payment, principal.actor(), at=now, note=f"已缴费 {r.fee_amount} 元")


async def close_unpaid(session: AsyncSession, principal: Principal, r: DisclosureRequest,
                       now: datetime | None = None) -> None:
    """Unpaid by the notice's deadline: the request is no longer processed."""
    require(principal, r, A.close_unpaid)
    now = now or utcnow()
    assert r.fee_due_date is not None
    if today(now) <= r.fee_due_date:
        raise DeadlineNotPassed(f"缴费期限至 {r.fee_due_date:%Y年%m月%d日}，尚未届满")
    await lapse(session, principal.actor(), r, A.close_unpaid, now)


def check_reason(outcome: Outcome, reason: Reason | None) -> None:
    allowed = REASONS[outcome]
    if not allowed and reason is not None:
        raise bad("reason", f"“{OUTCOME_LABELS[outcome]}”不需要选择理由")
    if allowed and reason is None:
        raise bad("reason", f"“{OUTCOME_LABELS[outcome]}”须选择理由")
    if reason is not None and reason not in allowed:
        raise bad("reason", f"“{REASON_LABELS[reason]}”不是“{OUTCOME_LABELS[outcome]}”的理由")
    if reason in CLOSING_REASONS:
        raise bad("reason", "逾期不补正、逾期未缴费由“终止处理”操作办理")


def reply_template(r: DisclosureRequest, outcome: Outcome, reason: Reason | None) -> str:
    """The reply's default text: what was asked, the decision with its reason and basis, and the remedy."""
    asked = r.info_name or r.info_description[:100]
    decision = {
        Outcome.disclosed: "经审查，您申请获取的政府信息属于公开范围，现予以公开，请查收所附文件。",
        Outcome.partly_disclosed: "经审查，您申请获取的政府信息中部分内容不应公开但能够区分处理，"
                                  "现将可以公开的部分提供给您，请查收所附文件。",
        Outcome.withheld: "经审查，您申请获取的政府信息不予公开。",
        Outcome.unavailable: "经查，本机关无法提供您申请获取的政府信息。",
        Outcome.not_processed: "经审查，本机关对您的申请不予处理。",
        Outcome.other: "本机关不再处理您的政府信息公开申请。",
    }[outcome]
    why = f"理由：{REASON_LABELS[reason]}。" if reason else ""
    basis = LEGAL_BASIS[reason or outcome]
    return (f"{r.applicant_name}：\n本机关于{r.received_date:%Y年%m月%d日}收到您关于“{asked}”的政府信息公开申请"
            f"（编号 {r.tracking_no}）。{decision}{why}依据：{basis}。\n{REMEDY_TEXT}")


async def reply(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: ReplyIn,
                now: datetime | None = None) -> None:
    """One of Art. 36's outcomes with its reason, legal basis and the applicant's remedy; stops the clock."""
    require(principal, r, A.reply)
    check_reason(data.outcome, data.reason)
    now = now or utcnow()
    basis = data.legal_basis or LEGAL_BASIS[data.reason or data.outcome]
    body = data.body or reply_template(r, data.outcome, data.reason)
    r.referral = data.referral
    await _finish(session, principal.actor(), r, A.reply, data.outcome, data.reason, basis, body, now)


def on_the_spot_possible(r: DisclosureRequest, now: datetime | None = None) -> bool:
    """Received today and nothing done yet (no 补正, extension, consultation or fee): it can be answered now."""
    return (r.status == RequestStatus.received and r.received_date == today(now) and r.supplement_note is None
            and not r.extension_days and r.consult_kind is None and r.fee_method is None)


async def reply_on_the_spot(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: ReplyIn,
                            now: datetime | None = None) -> None:
    """当场答复 (Art. 33): answered and closed on the day of receipt, with an outcome like any reply."""
    require(principal, r, A.reply_on_the_spot)
    now = now or utcnow()
    if not on_the_spot_possible(r, now):
        raise OnTheSpotNotAllowed(f"当场答复须在收到申请的当日（{r.received_date:%Y年%m月%d日}）作出，"
                                  "且此前未告知补正、延期、征求意见或收费")
    check_reason(data.outcome, data.reason)
    basis = data.legal_basis or LEGAL_BASIS[data.reason or data.outcome]
    body = data.body or reply_template(r, data.outcome, data.reason)
    r.referral, r.on_the_spot = data.referral, True
    await _finish(session, principal.actor(), r, A.reply_on_the_spot, data.outcome, data.reason, basis, body, now,
                  note="（当场答复）")


async def record_review(session: AsyncSession, principal: Principal, r: DisclosureRequest, data: ReviewIn,
                        now: datetime | None = None) -> None:
    """行政复议 / 行政诉讼 on the reply, for the annual report's section 四."""
    require(principal, r, A.record_review)
    now = now or utcnow()
    filed = data.filed_date or r.review_filed_date or today(now)
    if filed > today(now):
        raise bad("filed_date", "申请复议或起诉的日期不能晚于今天")
    if r.finished_date is not None and filed < r.finished_date:
        raise bad("filed_date", "申请复议或起诉的日期不能早于答复日期")
    if data.decided_date is not None and not filed <= data.decided_date <= today(now):
        raise bad("decided_date", "决定日期应在申请复议或起诉之后，且不晚于今天")
    r.review_kind, r.review_result = data.kind, data.result
    r.review_filed_date, r.review_decided_date = filed, data.decided_date
    decided = f"，{data.decided_date:%Y年%m月%d日}作出" if data.decided_date else ""
    await cases.transition(session, r, A.record_review, principal.actor(), at=now,
                           note=f"{REVIEW_KIND_LABELS[data.kind]}：{REVIEW_RESULT_LABELS[data.result]}"
                                f"（{filed:%Y年%m月%d日}提起{decided}）")


def remedy(r: DisclosureRequest) -> str | None:
    return REMEDY_TEXT if r.outcome is not None else None


async def events(session: AsyncSession, r: DisclosureRequest) -> list[DisclosureRequestEvent]:
    return list((await session.execute(select(DisclosureRequestEvent).where(
        DisclosureRequestEvent.request_id == r.id).order_by(DisclosureRequestEvent.id))).scalars())


async def attachments(session: AsyncSession, r: DisclosureRequest) -> list[tuple[str, Attachment]]:
    out = [("application", a) for a in await files.list_for(session, APPLICATION_FILES, [r.id])]
    return out + [("reply", a) for a in await files.list_for(session, REPLY_FILES, [r.id])]


async def add_attachment(session: AsyncSession, principal: Principal, r: DisclosureRequest, upload: Any) -> Attachment:
    """The applicant adds materials to an open request; the handler adds the files the reply discloses."""
    if is_handler(principal, r):
        if r.status in WORD.final and r.outcome not in (Outcome.disclosed, Outcome.partly_disclosed):
            raise Forbidden("该申请已办结")
        owner = REPLY_FILES
    elif r.applicant_id == principal.id:
        if r.status in WORD.final:
            raise Forbidden("该申请已办结，不能再添加材料")
        owner = APPLICATION_FILES
    else:
        raise Forbidden("您无权为该申请添加附件")
    row = await files.store_upload(session, upload, owner, r.id, principal.id)
    await audit.record(session, principal.actor(), f"{WORD.name}.attach", WORD.name, r.id,
                       {"tracking_no": r.tracking_no, "kind": owner, "filename": row.filename, "sha256": row.sha256})
    return row


async def attachment_file(session: AsyncSession, r: DisclosureRequest, attachment_id: int) -> Attachment:
    row = (await session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_id == r.id,
        Attachment.owner_type.in_((APPLICATION_FILES, REPLY_FILES))))).scalar_one_or_none()
    if row is None:
        raise NotFound("附件不存在")
    return row

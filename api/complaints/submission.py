"""Writing in and looking up: attachments, the letter with its tracking number and 查询码, the
Idempotency-Key claim, and the writer's lookup by tracking number and code."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.passwords import PrehashedSecrets, verify_password
from api.auth.principal import Principal
from api.calendar import service as calendar
from api.calendar.workdays import local_date
from api.captcha import service as captcha
from api.cases import service as cases
from api.complaints import service
from api.complaints.exceptions import LookupFailed
from api.complaints.models import Complaint, ComplaintAttachment, Mailbox
from api.complaints.schemas import AttachmentUploaded, ComplaintCreate, ComplaintReceipt
from api.complaints.states import COMPLAINT, ComplaintAction, ComplaintChannel, ComplaintStatus
from api.database import utcnow
from api.errors import RateLimited
from api.files import service as files
from api.files.models import Attachment
from api.idempotency import service as idempotency
from api.ratelimit import get_counter

S = ComplaintStatus
A = ComplaintAction
# Anonymous writers, per IP: submissions per hour, attachment uploads per hour; lookups per 10 minutes.
ANON_SUBMISSIONS_PER_HOUR = 5
ANON_UPLOADS_PER_HOUR = 20
LOOKUPS_PER_WINDOW = 30
LOOKUP_WINDOW = 600
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _ip_hash(ip: str) -> str:
    return hashlib.sha256(f"complaint-writer:{ip}".encode()).hexdigest()


async def _limit(key: str, limit: int, window: int) -> None:
    count, ttl = await get_counter().incr(key, window)
    if count > limit:
        raise RateLimited(ttl)


def _new_query_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


QUERY_CODES = PrehashedSecrets(_new_query_code)


async def store_upload(session: AsyncSession, upload: Any, principal: Principal | None, ip: str
                       ) -> AttachmentUploaded:
    if principal is None:
        await _limit(f"complaints:upload:{ip}", ANON_UPLOADS_PER_HOUR, 3600)
    stored = await files.store_upload(session, upload, service.ATTACHMENT_OWNER, None,
                                      principal.id if principal else None)
    token = secrets.token_urlsafe(24)
    row = ComplaintAttachment(attachment_id=stored.id, filename=stored.filename,
                              content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                              token_hash=hashlib.sha256(token.encode()).hexdigest(),
                              uploaded_by_id=principal.id if principal else None)
    session.add(row)
    await session.flush()
    stored.owner_id = row.id
    await session.flush()
    return AttachmentUploaded(id=row.id, upload_token=token, filename=row.filename,
                              content_type=row.content_type, size=row.size)


SUBMIT_SCOPE = "POST /complaints"


@dataclass(frozen=True)
class Relay:
    """A registered API client filing the letter on its writer's behalf (its own limits and key stand in for the
    captcha and the per-IP limit; the writer has no account here)."""

    channel: ComplaintChannel
    client_pk: int
    client_name: str


async def claim_submission(session: AsyncSession, principal: Principal | None, data: ComplaintCreate, ip: str,
                           key: str | None, relay: Relay | None = None) -> idempotency.Claim:
    """The Idempotency-Key claim of a submission: the writer's, a relaying client's, or an anonymous writer's per
    hashed IP. The receipt holds the plain 查询码, so it is stored sealed (see api/idempotency)."""
    owner: int | str = (principal.id if principal else f"client:{relay.client_pk}" if relay
                        else f"ip:{_ip_hash(ip)}")
    return await idempotency.begin(session, owner, key, SUBMIT_SCOPE, data.fingerprint_payload(), seal=True)


async def submit(session: AsyncSession, principal: Principal | None, data: ComplaintCreate, ip: str,
                 claim: idempotency.Claim, now: datetime | None = None, relay: Relay | None = None) -> str:
    """Receive a letter: captcha and per-IP limit for anonymous writers (not for a relaying client), a tracking
    number and a query code. Returns the receipt as JSON, stored with the claim for a retry."""
    now = now or utcnow()
    if principal is None and relay is None:
        await _limit(f"complaints:submit:{ip}", ANON_SUBMISSIONS_PER_HOUR, 3600)
        await captcha.verify(session, data.captcha_id, data.captcha_answer)
    c, code, due = await receive(session, principal, data, ip, now, relay)
    receipt = ComplaintReceipt(tracking_no=c.tracking_no, query_code=code, status=c.status,
                               mailbox_name=c.mailbox.name, submitted_at=now, reply_due_date=due).model_dump_json()
    await idempotency.complete(session, claim, 201, receipt, c.id)
    return receipt


async def receive(session: AsyncSession, principal: Principal | None, data: ComplaintCreate, ip: str,
                  now: datetime, relay: Relay | None = None) -> tuple[Complaint, str, date | None]:
    """Create the letter, claim its attachments and start the reply clock; returns the plain query code."""
    mailbox = (await session.execute(select(Mailbox).where(Mailbox.id == data.mailbox_id,
                                                           Mailbox.is_active.is_(True)))).scalar_one_or_none()
    if mailbox is None:
        raise service.bad("mailbox_id", "信箱不存在或已停用")
    code, code_hash = await QUERY_CODES.take()  # hashed ahead, outside any write transaction
    name = data.writer_name or (principal.display_name if principal else None)
    c = Complaint(tracking_no=f"TMP{secrets.token_hex(8)}", query_code_hash=code_hash,
                  mailbox_id=mailbox.id, kind=data.kind or mailbox.default_kind, subject=data.subject,
                  body=data.body, writer_id=principal.id if principal else None, writer_name=name,
                  writer_phone=data.writer_phone, writer_email=data.writer_email,
                  writer_address=data.writer_address, consent_publish=data.consent_publish,
                  status=S.submitted, submitted_at=now,
                  channel=relay.channel if relay else ComplaintChannel.portal,
                  api_client_id=relay.client_pk if relay else None,
                  relayed_by=relay.client_name[:100] if relay else None)
    session.add(c)
    await session.flush()
    c.tracking_no = f"XF{local_date(now):%Y%m%d}{c.id:06d}"
    if principal is None and relay is None:  # a relaying client's address is not the writer's
        c.ip_hash = hashlib.sha256(f"{c.tracking_no}:{ip}".encode()).hexdigest()
    for i, ref in enumerate(data.attachments):
        row = await session.get(ComplaintAttachment, ref.id)
        token_hash = hashlib.sha256(ref.upload_token.encode()).hexdigest()
        if row is None or row.complaint_id is not None or not secrets.compare_digest(row.token_hash, token_hash):
            raise service.bad(f"attachments.{i}", "附件不存在或已被使用，请重新上传")
        row.complaint_id = c.id
    actor = principal.actor() if principal else service.ANONYMOUS
    # Opened by hand rather than cases.create(): the audit record should carry the tracking number, which
    # needs the row's id.
    note = f"来信已提交至{mailbox.name}" if relay is None else f"{relay.client_name}代来信人提交至{mailbox.name}"
    detail: dict[str, Any] = {"mailbox": mailbox.code, "anonymous": principal is None, "channel": c.channel}
    if relay is not None:
        detail["api_client_id"] = relay.client_pk
    await cases.record(session, c, COMPLAINT.opening(actor, now, note=note, detail=detail))
    clock = await cases.start_clock(session, c, mailbox.reply_days, actor, at=now)
    state = await calendar.clock_state(session, clock, now)
    return await service.load(session, c.id), code, state.deadline_date


async def lookup(session: AsyncSession, tracking_no: str, query_code: str, ip: str,
                 for_update: bool = False) -> Complaint:
    """The letter for a tracking number and query code; the same 404 for either one wrong."""
    await _limit(f"complaints:lookup:{ip}", LOOKUPS_PER_WINDOW, LOOKUP_WINDOW)
    stmt = service.with_relations(select(Complaint).where(Complaint.tracking_no == tracking_no.strip().upper()))
    if for_update:
        stmt = stmt.with_for_update(of=Complaint)
    c = (await session.execute(stmt)).scalar_one_or_none()
    ok = await verify_password(c.query_code_hash if c else None, query_code.strip().upper())
    if c is None or not ok:
        raise LookupFailed()
    return c


async def discard_unclaimed_uploads(session: AsyncSession, before: datetime) -> set[str]:
    """Uploads no letter claimed since before `before` (the writer gave up): their rows go; returns the blobs'
    digests for files.remove_unreferenced once this commits."""
    ids = list((await session.execute(select(ComplaintAttachment.id).where(
        ComplaintAttachment.complaint_id.is_(None), ComplaintAttachment.created_at < before))).scalars())
    if not ids:
        return set()
    digests = set((await session.execute(delete(Attachment).where(
        Attachment.owner_type == service.ATTACHMENT_OWNER, Attachment.owner_id.in_(ids))
        .returning(Attachment.sha256))).scalars())
    await session.execute(delete(ComplaintAttachment).where(ComplaintAttachment.id.in_(ids)))
    return digests

"""ORM rows → API schemas."""

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.calendar.schemas import ClockRead
from api.disclosure_requests import service
from api.disclosure_requests.models import DisclosureRequest
from api.disclosure_requests.schemas import (
    DisclosureRequestAttachmentRead,
    DisclosureRequestRead,
    DisclosureRequestSummary,
    RequestEventRead,
)
from api.files.models import Attachment


def summary_read(r: DisclosureRequest, clock: ClockRead | None) -> DisclosureRequestSummary:
    return DisclosureRequestSummary(
        id=r.id, tracking_no=r.tracking_no, unit_id=r.unit_id, unit_name=r.unit.name, applicant_type=r.applicant_type,
        applicant_name=r.applicant_name, info_summary=(r.info_name or r.info_description)[:100], channel=r.channel,
        received_date=r.received_date, status=r.status, outcome=r.outcome, reason=r.reason, clock=clock)


async def request_read(session: AsyncSession, principal: Principal, r: DisclosureRequest) -> DisclosureRequestRead:
    base = summary_read(r, await service.current_clock(session, r))
    return DisclosureRequestRead(
        **base.model_dump(), identity_no=r.identity_no, contact_phone=r.contact_phone, contact_email=r.contact_email,
        contact_address=r.contact_address, info_name=r.info_name, info_doc_no=r.info_doc_no,
        info_description=r.info_description, delivery_form=r.delivery_form, delivery_route=r.delivery_route,
        supplement_note=r.supplement_note, supplement_due_date=r.supplement_due_date,
        supplement_text=r.supplement_text, supplemented_date=r.supplemented_date, extension_days=r.extension_days,
        extension_approver=r.extension_approver, extension_reason=r.extension_reason, consult_kind=r.consult_kind,
        consult_party=r.consult_party, consult_due_date=r.consult_due_date, fee_method=r.fee_method,
        fee_quantity=r.fee_quantity, fee_amount=r.fee_amount, fee_due_date=r.fee_due_date,
        fee_paid_date=r.fee_paid_date, legal_basis=r.legal_basis, reply_body=r.reply_body, referral=r.referral,
        remedy=service.remedy(r), finished_date=r.finished_date, on_the_spot=r.on_the_spot, review_kind=r.review_kind,
        review_result=r.review_result, review_filed_date=r.review_filed_date,
        review_decided_date=r.review_decided_date, actions=service.allowed_actions(principal, r),
        events=[RequestEventRead.model_validate(e) for e in await service.events(session, r)],
        attachments=[attachment_read(a, k) for k, a in await service.attachments(session, r)])


def attachment_read(a: Attachment, kind: str) -> DisclosureRequestAttachmentRead:
    return DisclosureRequestAttachmentRead(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size,
                                           kind=kind)

import hashlib

from sqlalchemy import select, update

from api.complaints.models import Complaint, ComplaintAttachment, Mailbox
from api.complaints.schemas import ComplaintCreate
from api.config import get_settings
from api.files.models import Attachment
from api.idempotency.models import IdempotencyKey, KeyState
from api.idempotency.service import request_hash
from tests.captcha.solver import solved
from tests.complaints.helpers import letter, submit_anonymous, submit_as, world
from tests.factories import auth

URL = "/api/v1/complaints"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


async def by_tracking_no(session, receipt) -> Complaint:
    stmt = select(Complaint).where(Complaint.tracking_no == receipt["tracking_no"])
    return (await session.execute(stmt)).scalar_one()


class TestSubmitComplaint:
    async def test_anonymous_writer_gets_tracking_number_and_query_code(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        assert receipt["tracking_no"].startswith("XF")
        assert len(receipt["query_code"]) == 8
        assert receipt["status"] == "submitted"
        assert receipt["reply_due_date"] is not None
        c = await by_tracking_no(session, receipt)
        assert c.writer_id is None
        assert receipt["query_code"] not in c.query_code_hash

    async def test_anonymous_without_captcha_is_refused(self, client, session):
        w = await world(session)
        r = await client.post(URL, json=letter(w))
        assert r.status_code == 422
        assert r.json()["code"] == "captcha_invalid"

    async def test_wrong_captcha_answer_is_refused_and_the_challenge_is_spent(self, client, session):
        w = await world(session)
        cap = await solved(client)
        wrong = {**cap, "captcha_answer": str(int(cap["captcha_answer"]) + 1)}
        assert (await client.post(URL, json=letter(w) | wrong)).json()["code"] == "captcha_invalid"
        r = await client.post(URL, json=letter(w) | cap)
        assert r.status_code == 422
        assert r.json()["code"] == "captcha_invalid"

    async def test_captcha_cannot_be_used_twice(self, client, session):
        w = await world(session)
        cap = await solved(client)
        assert (await client.post(URL, json=letter(w) | cap)).status_code == 201
        assert (await client.post(URL, json=letter(w) | cap)).status_code == 422

    async def test_signed_in_writer_needs_no_captcha(self, client, session):
        w = await world(session)
        receipt = await submit_as(client, w, w.citizen)
        c = await by_tracking_no(session, receipt)
        assert c.writer_id == w.citizen.id
        assert c.writer_name == "张三丰"

    async def test_anonymous_writers_are_rate_limited_per_ip(self, client, session):
        w = await world(session)
        for _ in range(5):
            assert (await client.post(URL, json=letter(w))).status_code == 422  # no captcha, still counted
        r = await client.post(URL, json=letter(w) | await solved(client))
        assert r.status_code == 429
        assert r.json()["code"] == "rate_limited"
        assert int(r.headers["retry-after"]) > 0

    async def test_blank_subject_and_unknown_mailbox_answer_422(self, client, session):
        w = await world(session)
        r = await client.post(URL, json=letter(w, subject="  "), headers=auth(w.citizen))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "subject"
        r = await client.post(URL, json=letter(w, mailbox_id=99999), headers=auth(w.citizen))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "mailbox_id"

    async def test_inactive_mailbox_refuses_letters(self, client, session):
        w = await world(session)
        await session.execute(update(Mailbox).where(Mailbox.id == w.mailbox.id).values(is_active=False))
        r = await client.post(URL, json=letter(w), headers=auth(w.citizen))
        assert r.status_code == 422


class TestIdempotencyKey:
    async def test_retry_with_same_key_returns_the_same_receipt(self, client, session):
        w = await world(session)
        headers = {"Idempotency-Key": "retry-key-0001"} | auth(w.citizen)
        first = await client.post(URL, json=letter(w), headers=headers)
        second = await client.post(URL, json=letter(w), headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["Idempotent-Replayed"] == "true"
        count = (await session.execute(select(Complaint.id).where(Complaint.writer_id == w.citizen.id))).all()
        assert len(count) == 1

    async def test_keys_live_in_the_idempotency_kernel_without_the_query_code_or_the_key(self, client, session):
        w = await world(session)
        headers = {"Idempotency-Key": "retry-key-0003"} | auth(w.citizen)
        code = (await client.post(URL, json=letter(w), headers=headers)).json()["query_code"]
        rows = (await session.execute(select(IdempotencyKey))).scalars().all()
        assert [(r.user_id, r.scope, r.state) for r in rows] == [(w.citizen.id, "POST /complaints", "done")]
        assert code not in str(rows[0].response_body)
        assert "retry-key-0003" not in rows[0].key

    async def test_same_key_with_a_different_letter_answers_422(self, client, session):
        w = await world(session)
        headers = {"Idempotency-Key": "retry-key-0002"} | auth(w.citizen)
        assert (await client.post(URL, json=letter(w), headers=headers)).status_code == 201
        r = await client.post(URL, json=letter(w, subject="另一封信"), headers=headers)
        assert r.status_code == 422
        assert r.json()["errors"][0]["type"] == "idempotency_key_reused"

    async def test_a_key_whose_first_request_is_running_answers_409(self, client, session):
        w = await world(session)
        body = ComplaintCreate.model_validate(letter(w)).fingerprint_payload()
        session.add(IdempotencyKey(owner=f"user:{w.citizen.id}", user_id=w.citizen.id, sealed=True,
                                   key="sha256:" + hashlib.sha256(b"k-running").hexdigest(),
                                   scope="POST /complaints", request_hash=request_hash("POST /complaints", body),
                                   state=KeyState.in_flight))
        await session.flush()
        r = await client.post(URL, json=letter(w), headers={"Idempotency-Key": "k-running"} | auth(w.citizen))
        assert r.status_code == 409
        assert r.json()["code"] == "idempotency_in_flight"

    async def test_short_keys_are_accepted_and_over_long_ones_refused_as_for_applications(self, client, session):
        w = await world(session)
        assert (await client.post(URL, json=letter(w), headers={"Idempotency-Key": "k"} | auth(w.citizen))
                ).status_code == 201
        r = await client.post(URL, json=letter(w), headers={"Idempotency-Key": "k" * 201} | auth(w.citizen))
        assert r.status_code == 422

    async def test_anonymous_retry_needs_no_second_captcha(self, client, session):
        w = await world(session)
        headers = {"Idempotency-Key": "anon-retry-0003"}
        first = await client.post(URL, json=letter(w) | await solved(client), headers=headers)
        second = await client.post(URL, json=letter(w) | {"captcha_id": "spent", "captcha_answer": "0"},
                                   headers=headers)
        assert second.status_code == 201
        assert second.json()["tracking_no"] == first.json()["tracking_no"]
        assert second.json()["query_code"] == first.json()["query_code"]

    async def test_anonymous_key_belongs_to_the_writers_address_not_to_a_user(self, client, session):
        w = await world(session)
        headers = {"Idempotency-Key": "anon-retry-0004"}
        assert (await client.post(URL, json=letter(w) | await solved(client), headers=headers)).status_code == 201
        row = (await session.execute(select(IdempotencyKey))).scalar_one()
        assert row.user_id is None and row.owner.startswith("ip:")
        signed_in = await client.post(URL, json=letter(w), headers=headers | auth(w.citizen))
        assert signed_in.status_code == 201
        assert "Idempotent-Replayed" not in signed_in.headers


class TestAttachments:
    async def test_uploaded_file_is_claimed_by_the_letter(self, client, session):
        w = await world(session)
        up = await client.post(f"{URL}/attachments", files={"file": ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64,
                                                                     "image/png")})
        assert up.status_code == 201, up.text
        att = up.json()
        receipt = await submit_as(client, w, w.citizen,
                                  attachments=[{"id": att["id"], "upload_token": att["upload_token"]}])
        row = await session.get(ComplaintAttachment, att["id"])
        c = await by_tracking_no(session, receipt)
        assert row.complaint_id == c.id
        detail = (await client.get(f"{URL}/{c.id}", headers=auth(w.citizen))).json()
        assert [a["filename"] for a in detail["attachments"]] == ["照片.png"]

    async def test_wrong_upload_token_cannot_claim_a_file(self, client, session):
        w = await world(session)
        att = (await client.post(f"{URL}/attachments", files={"file": ("a.png", PNG, "image/png")})).json()
        r = await client.post(URL, json=letter(w, attachments=[{"id": att["id"], "upload_token": "x" * 32}]),
                              headers=auth(w.citizen))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "attachments.0"

    async def test_executable_is_refused_with_415(self, client, session):
        r = await client.post(f"{URL}/attachments", files={"file": ("run.exe", b"MZ\x90\x00", "application/x-msdos")})
        assert r.status_code == 415

    async def test_pdf_whose_content_is_not_pdf_is_refused(self, client, session):
        r = await client.post(f"{URL}/attachments", files={"file": ("a.pdf", b"not a pdf", "application/pdf")})
        assert r.status_code == 415


    async def test_text_files_are_refused_like_every_kind_the_files_kernel_does_not_know(self, client, session):
        r = await client.post(f"{URL}/attachments", files={"file": ("a.txt", b"hello", "text/plain")})
        assert r.status_code == 415
        assert r.json()["code"] == "unsupported_media_type"

    async def test_oversized_file_is_refused_with_413(self, client, session, monkeypatch):
        monkeypatch.setattr(get_settings(), "max_upload_bytes", 100)
        r = await client.post(f"{URL}/attachments", files={"file": ("a.png", PNG + b"0" * 200, "image/png")})
        assert r.status_code == 413

    async def test_upload_is_stored_in_the_files_kernel(self, client, session):
        att = (await client.post(f"{URL}/attachments", files={"file": ("照片.png", PNG, "image/png")})).json()
        row = await session.get(ComplaintAttachment, att["id"])
        stored = await session.get(Attachment, row.attachment_id)
        assert (stored.owner_type, stored.owner_id, stored.filename) == ("complaint_attachment", row.id, "照片.png")


async def _letter_with_attachment(client, w, user=None) -> tuple[dict, int]:
    att = (await client.post(f"{URL}/attachments", files={"file": ("照片.png", PNG, "image/png")},
                             headers=auth(user) if user else {})).json()
    refs = [{"id": att["id"], "upload_token": att["upload_token"]}]
    receipt = await (submit_as(client, w, user, attachments=refs) if user else submit_anonymous(client, w,
                                                                                                attachments=refs))
    return receipt, att["id"]


class TestDownloadComplaintAttachment:
    async def test_writer_downloads_with_disposition_and_nosniff(self, client, session):
        w = await world(session)
        receipt, att_id = await _letter_with_attachment(client, w, w.citizen)
        c = await by_tracking_no(session, receipt)
        r = await client.get(f"{URL}/{c.id}/attachments/{att_id}", headers=auth(w.citizen))
        assert r.status_code == 200
        assert r.content == PNG
        assert r.headers.get_list("x-content-type-options") == ["nosniff"]
        assert "filename*=UTF-8''%E7%85%A7%E7%89%87.png" in r.headers["content-disposition"]

    async def test_another_citizen_gets_404(self, client, session):
        w = await world(session)
        receipt, att_id = await _letter_with_attachment(client, w, w.citizen)
        c = await by_tracking_no(session, receipt)
        r = await client.get(f"{URL}/{c.id}/attachments/{att_id}", headers=auth(w.other_citizen))
        assert r.status_code == 404
        assert r.json()["code"] == "complaint_not_found"

    async def test_staff_of_the_mailbox_download(self, client, session):
        w = await world(session)
        receipt, att_id = await _letter_with_attachment(client, w, w.citizen)
        c = await by_tracking_no(session, receipt)
        r = await client.get(f"{URL}/{c.id}/attachments/{att_id}", headers=auth(w.triager))
        assert r.status_code == 200

    async def test_staff_of_another_unit_get_404(self, client, session):
        w = await world(session)
        receipt, att_id = await _letter_with_attachment(client, w, w.citizen)
        c = await by_tracking_no(session, receipt)
        r = await client.get(f"{URL}/{c.id}/attachments/{att_id}", headers=auth(w.car_handler))
        assert r.status_code == 404

    async def test_attachment_of_another_letter_is_404(self, client, session):
        w = await world(session)
        _, att_id = await _letter_with_attachment(client, w, w.citizen)
        mine = await by_tracking_no(session, await submit_as(client, w, w.other_citizen))
        r = await client.get(f"{URL}/{mine.id}/attachments/{att_id}", headers=auth(w.other_citizen))
        assert r.status_code == 404
        assert r.json()["code"] == "not_found"

    async def test_anonymous_writer_downloads_with_tracking_number_and_code(self, client, session):
        w = await world(session)
        receipt, att_id = await _letter_with_attachment(client, w)
        body = {"tracking_no": receipt["tracking_no"], "query_code": receipt["query_code"]}
        listed = (await client.post(f"{URL}/lookup", json=body)).json()["attachments"]
        assert [(a["id"], a["filename"]) for a in listed] == [(att_id, "照片.png")]
        r = await client.post(f"{URL}/lookup/attachments/{att_id}", json=body)
        assert r.status_code == 200
        assert r.content == PNG
        assert r.headers.get_list("x-content-type-options") == ["nosniff"]

    async def test_wrong_query_code_gets_404(self, client, session):
        w = await world(session)
        receipt, att_id = await _letter_with_attachment(client, w)
        body = {"tracking_no": receipt["tracking_no"], "query_code": "WRONG123"}
        r = await client.post(f"{URL}/lookup/attachments/{att_id}", json=body)
        assert r.status_code == 404


class TestLookupComplaint:
    async def test_tracking_number_and_code_show_status(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        r = await client.post(f"{URL}/lookup", json={"tracking_no": receipt["tracking_no"],
                                                     "query_code": receipt["query_code"]})
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "submitted"
        assert body["status_label"] == "已提交"
        assert [e["action"] for e in body["events"]] == ["submit"]

    async def test_wrong_code_answers_like_an_unknown_tracking_number(self, client, session):
        w = await world(session)
        receipt = await submit_anonymous(client, w)
        wrong = await client.post(f"{URL}/lookup", json={"tracking_no": receipt["tracking_no"],
                                                         "query_code": "AAAAAAAA"})
        unknown = await client.post(f"{URL}/lookup", json={"tracking_no": "XF20990101999999",
                                                           "query_code": receipt["query_code"]})
        assert wrong.status_code == unknown.status_code == 404
        strip = lambda b: {k: v for k, v in b.items() if k != "request_id"}  # noqa: E731
        assert strip(wrong.json()) == strip(unknown.json())

    async def test_lookups_are_rate_limited(self, client, session):
        for _ in range(30):
            await client.post(f"{URL}/lookup", json={"tracking_no": "XF1", "query_code": "AAAAAAAA"})
        r = await client.post(f"{URL}/lookup", json={"tracking_no": "XF1", "query_code": "AAAAAAAA"})
        assert r.status_code == 429

    async def test_code_is_never_accepted_in_the_url(self, client, session):
        r = await client.get(f"{URL}/lookup", params={"tracking_no": "XF1", "query_code": "AAAAAAAA"})
        assert r.status_code in (401, 404, 405, 422)

from datetime import datetime, timedelta

import pytest

from api.auth.models import Role
from api.auth.service import load_user, to_principal
from api.database import utcnow
from api.errors import ValidationFailed
from api.surveys import service
from api.surveys.exceptions import NotAccepting, SummaryRequired
from api.surveys.models import Consultation
from api.surveys.schemas import ConsultationCommentIn, ConsultationCreate
from tests.captcha.solver import solved
from tests.factories import auth, create_org_unit, create_user

URL = "/api/v1/consultations"
BODY = {"title": "《机关公务用车管理办法（征求意见稿）》", "draft_text": "第一条 为规范公务用车管理……"}


async def people(session):
    agency = await create_org_unit(session, "机关")
    office = await create_org_unit(session, "办公室", agency)
    editor = await create_user(session, office, [Role.editor])
    citizen = await create_user(session)
    await session.commit()
    for obj in (agency, office, editor, citizen):
        session.expunge(obj)
    return editor, citizen


async def opened(client, editor) -> dict:
    c = (await client.post(URL, json=BODY, headers=auth(editor))).json()
    r = await client.post(f"{URL}/{c['id']}/open", json={}, headers=auth(editor))
    assert r.status_code == 200, r.text
    return r.json()


class TestConsultationLifecycle:
    async def test_draft_is_hidden_until_opened_for_the_minimum_period(self, client, session):
        editor, citizen = await people(session)
        c = (await client.post(URL, json=BODY, headers=auth(editor))).json()
        assert c["min_days"] == 30
        assert (await client.get(f"{URL}/{c['id']}", headers=auth(citizen))).status_code == 404
        o = (await client.post(f"{URL}/{c['id']}/open", json={}, headers=auth(editor))).json()
        assert o["status"] == "open"
        days = (datetime.fromisoformat(o["closes_at"]) - datetime.fromisoformat(o["opens_at"])).days
        assert days == 30

    async def test_shorter_period_than_the_minimum_is_refused(self, client, session):
        editor, _ = await people(session)
        assert (await client.post(URL, json=BODY | {"min_days": 7}, headers=auth(editor))).status_code == 422
        c = (await client.post(URL, json=BODY, headers=auth(editor))).json()
        soon = (utcnow() + timedelta(days=10)).isoformat()
        r = await client.post(f"{URL}/{c['id']}/open", json={"closes_at": soon}, headers=auth(editor))
        assert r.status_code == 422

    async def test_anyone_comments_anonymous_with_captcha(self, client, session):
        editor, citizen = await people(session)
        c = await opened(client, editor)
        assert (await client.post(f"{URL}/{c['id']}/comments", json={"body": "建议明确用车审批时限"},
                                  headers=auth(citizen))).status_code == 201
        r = await client.post(f"{URL}/{c['id']}/comments", json={"body": "无验证码"})
        assert r.json()["code"] == "captcha_invalid"
        r = await client.post(f"{URL}/{c['id']}/comments", json={"body": "匿名意见"} | await solved(client))
        assert r.status_code == 201
        listed = (await client.get(f"{URL}/{c['id']}/comments", headers=auth(editor))).json()
        assert [x["body"] for x in listed] == ["建议明确用车审批时限", "匿名意见"]
        assert (await client.get(f"{URL}/{c['id']}")).json()["comment_count"] == 2

    async def test_cannot_close_before_the_minimum_period(self, client, session):
        editor, _ = await people(session)
        c = await opened(client, editor)
        r = await client.post(f"{URL}/{c['id']}/close", headers=auth(editor))
        assert r.status_code == 409
        assert r.json()["code"] == "consultation_period_not_over"
        r = await client.post(f"{URL}/{c['id']}/summary", json={"summary": "共收到意见 2 条，采纳 1 条。"},
                              headers=auth(editor))
        assert r.status_code == 409

    async def test_cannot_close_without_a_published_summary(self, client, session):
        editor, _ = await people(session)
        c = await opened(client, editor)
        row = await session.get(Consultation, c["id"])
        principal = await _principal(session, editor)
        after = row.closes_at + timedelta(minutes=1)
        with pytest.raises(SummaryRequired):
            await service.close_consultation(session, principal, row, now=after)
        await service.publish_summary(session, principal, row, "共收到意见 2 条，采纳 1 条：明确审批时限。", now=after)
        await service.close_consultation(session, principal, row, now=after)
        assert row.status == "closed"

    async def test_comments_stop_after_the_period(self, client, session):
        editor, _ = await people(session)
        c = await opened(client, editor)
        row = await session.get(Consultation, c["id"])
        with pytest.raises(NotAccepting):
            await service.comment(session, None, row, ConsultationCommentIn(body="迟到的意见"), "1.2.3.4",
                                  now=row.closes_at + timedelta(seconds=1))

    async def test_service_refuses_a_short_minimum(self, session):
        editor, _ = await people(session)
        with pytest.raises(ValidationFailed):
            await service.create_consultation(session, await _principal(session, editor),
                                              ConsultationCreate(**BODY, min_days=10))

    async def test_editor_attaches_the_draft_document(self, client, session):
        editor, _ = await people(session)
        c = (await client.post(URL, json=BODY, headers=auth(editor))).json()
        r = await client.post(f"{URL}/{c['id']}/attachments", files={"file": ("征求意见稿.pdf", b"%PDF-1.4\n...",
                                                                               "application/pdf")},
                              headers=auth(editor))
        assert r.status_code == 201
        assert (await client.get(f"{URL}/{c['id']}", headers=auth(editor))).json()["attachments"][0]["filename"] \
            == "征求意见稿.pdf"


class TestDownloadConsultationAttachment:
    async def _attached(self, client, editor) -> tuple[int, int]:
        c = (await client.post(URL, json=BODY, headers=auth(editor))).json()
        a = (await client.post(f"{URL}/{c['id']}/attachments", headers=auth(editor),
                               files={"file": ("征求意见稿.pdf", b"%PDF-1.4\n...", "application/pdf")})).json()
        return c["id"], a["id"]

    async def test_open_consultation_attachment_downloads_for_anyone(self, client, session):
        editor, _ = await people(session)
        cid, aid = await self._attached(client, editor)
        assert (await client.post(f"{URL}/{cid}/open", json={}, headers=auth(editor))).status_code == 200
        r = await client.get(f"{URL}/{cid}/attachments/{aid}")
        assert r.status_code == 200
        assert r.content == b"%PDF-1.4\n..."
        assert "filename*=UTF-8''" in r.headers["content-disposition"]

    async def test_draft_consultation_attachment_is_404_for_citizens(self, client, session):
        editor, citizen = await people(session)
        cid, aid = await self._attached(client, editor)
        r = await client.get(f"{URL}/{cid}/attachments/{aid}", headers=auth(citizen))
        assert r.status_code == 404
        assert r.json()["code"] == "consultation_not_found"


async def _principal(session, user):
    return to_principal(await load_user(session, user.id))

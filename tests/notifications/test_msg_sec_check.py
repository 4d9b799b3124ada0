"""Text a WeChat user writes (letters, survey answers) goes through WeChat's msg_sec_check when WeChat is
configured, as the platform requires of UGC mini-programs."""

from api.wechat.models import WechatAccount
from tests.complaints.helpers import letter
from tests.complaints.helpers import world as complaints_world
from tests.factories import auth


class TestLetters:
    async def test_a_risky_letter_from_a_wechat_user_is_refused(self, client, session, fake_wechat):
        w = await complaints_world(session)
        session.add(WechatAccount(user_id=w.citizen.id, openid="o-writer"))
        await session.commit()
        r = await client.post("/api/v1/complaints", json=letter(w, body="这是违禁内容"), headers=auth(w.citizen))
        assert r.status_code == 422 and r.json()["code"] == "content_risky"
        r = await client.post("/api/v1/complaints", json=letter(w), headers=auth(w.citizen))
        assert r.status_code == 201, r.text

    async def test_not_checked_without_wechat(self, client, session):
        w = await complaints_world(session)
        r = await client.post("/api/v1/complaints", json=letter(w, body="这是违禁内容"), headers=auth(w.citizen))
        assert r.status_code == 201

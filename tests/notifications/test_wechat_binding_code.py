"""Binding WeChat from the website: the signed-in user gets a one-time code (text and QR code of the mini-program
page), the mini-program — signed in with its own wx.login() code against the fake WeChat server — confirms it,
and the website sees the binding."""

from datetime import timedelta

from sqlalchemy import or_, select, update

from api.applications.models import Application
from api.audit.models import AuditOutbox, AuditRecord
from api.auth.models import User
from api.database import utcnow
from api.wechat.models import BindingCode, WechatAccount
from tests.applications.conftest import GOOD
from tests.factories import auth, create_user

CODES = "/api/v1/wechat/binding-codes"


async def mini_program(client, fake_wechat, code: str, openid: str) -> dict[str, str]:
    """The mini-program's side: wx.login() → POST /auth/wechat → its bearer header."""
    fake_wechat.sessions[code] = {"openid": openid, "session_key": "k"}
    r = await client.post("/api/v1/auth/wechat", json={"code": code})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def new_code(client, user) -> dict:
    r = await client.post(CODES, headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


class TestBindingCode:
    async def test_the_mini_program_confirms_the_code_and_the_website_sees_it_bound(self, client, session,
                                                                                      fake_wechat, world):
        h = auth(world.citizen)
        got = await new_code(client, world.citizen)
        assert len(got["code"]) == 8 and got["page"] == f"pages/bind/index?code={got['code']}"
        assert got["qr_svg"].startswith("data:image/svg+xml")
        mp = await mini_program(client, fake_wechat, "wx-1", "o-mini")
        r = await client.post(f"{CODES}/confirm", json={"code": got["code"].lower()}, headers=mp)
        assert r.status_code == 200, r.text
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert me.json()["id"] == world.citizen.id  # the mini-program goes on as the website user
        assert (await client.get("/api/v1/wechat/binding", headers=h)).json()["bound"] is True
        # the next wx.login() sign-in is the website user too
        again = await mini_program(client, fake_wechat, "wx-2", "o-mini")
        assert (await client.get("/api/v1/auth/me", headers=again)).json()["id"] == world.citizen.id
        audited = (await session.execute(select(AuditOutbox.action).where(
            AuditOutbox.action.in_(["wechat.binding_code", "wechat.bind"])))).scalars().all()
        audited += (await session.execute(select(AuditRecord.action).where(
            or_(AuditRecord.action == "wechat.binding_code", AuditRecord.action == "wechat.bind")))).scalars().all()
        assert sorted(audited) == ["wechat.bind", "wechat.binding_code"]
        # the website unbinds
        assert (await client.delete("/api/v1/wechat/binding", headers=h)).status_code == 204
        assert (await client.get("/api/v1/wechat/binding", headers=h)).json()["bound"] is False

    async def test_a_code_works_once(self, client, fake_wechat, world):
        got = await new_code(client, world.citizen)
        mp = await mini_program(client, fake_wechat, "wx-1", "o-mini")
        assert (await client.post(f"{CODES}/confirm", json={"code": got["code"]}, headers=mp)).status_code == 200
        other = await mini_program(client, fake_wechat, "wx-2", "o-other")
        r = await client.post(f"{CODES}/confirm", json={"code": got["code"]}, headers=other)
        assert r.status_code == 403 and r.json()["code"] == "wechat_binding_code_invalid"

    async def test_an_expired_code_is_refused(self, client, session, fake_wechat, world):
        got = await new_code(client, world.citizen)
        await session.execute(update(BindingCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
        mp = await mini_program(client, fake_wechat, "wx-1", "o-mini")
        r = await client.post(f"{CODES}/confirm", json={"code": got["code"]}, headers=mp)
        assert r.status_code == 403 and r.json()["code"] == "wechat_binding_code_invalid"
        assert (await client.get("/api/v1/wechat/binding", headers=auth(world.citizen))).json()["bound"] is False

    async def test_a_new_code_replaces_the_previous_one_and_a_wrong_code_is_refused(self, client, fake_wechat,
                                                                                    world):
        first = await new_code(client, world.citizen)
        second = await new_code(client, world.citizen)
        mp = await mini_program(client, fake_wechat, "wx-1", "o-mini")
        for code in (first["code"], "ABCDEFGH"):
            r = await client.post(f"{CODES}/confirm", json={"code": code}, headers=mp)
            assert r.status_code == 403 and r.json()["code"] == "wechat_binding_code_invalid"
        assert (await client.post(f"{CODES}/confirm", json={"code": second["code"]}, headers=mp)).status_code == 200

    async def test_only_a_wechat_sign_in_can_confirm(self, client, fake_wechat, world):
        got = await new_code(client, world.citizen)
        r = await client.post(f"{CODES}/confirm", json={"code": got["code"]}, headers=auth(world.stranger))
        assert r.status_code == 404 and r.json()["code"] == "wechat_not_bound"

    async def test_codes_and_confirmations_are_rate_limited(self, client, fake_wechat, world):
        for _ in range(5):
            await new_code(client, world.citizen)
        r = await client.post(CODES, headers=auth(world.citizen))
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        mp = await mini_program(client, fake_wechat, "wx-1", "o-mini")
        codes = [(await client.post(f"{CODES}/confirm", json={"code": "WRONG234"}, headers=mp)).status_code
                 for _ in range(11)]
        assert codes == [403] * 10 + [429]

    async def test_off_without_an_appid(self, client, world):
        r = await client.post(CODES, headers=auth(world.citizen))
        assert r.status_code == 404 and r.json()["code"] == "wechat_disabled"


class TestFoldingTheWechatAccount:
    async def test_what_the_mini_program_did_before_binding_follows_the_person(self, client, session, fake_wechat,
                                                                               world):
        """Someone used the mini-program first (an account our WeChat sign-in made) and binds it to their website
        account later: their application follows them, and the WeChat-made account is closed."""
        mp = await mini_program(client, fake_wechat, "wx-1", "o-early")
        r = await client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD}, headers=mp)
        assert r.status_code == 201, r.text
        app_id = r.json()["id"]
        early = (await session.execute(select(WechatAccount.user_id).where(WechatAccount.openid == "o-early"))
                 ).scalar_one()
        got = await new_code(client, world.citizen)
        r = await client.post(f"{CODES}/confirm", json={"code": got["code"]}, headers=mp)
        assert r.status_code == 200, r.text

        website = {"Authorization": f"Bearer {r.json()['access_token']}"}
        mine = (await client.get("/api/v1/applications", headers=website)).json()["items"]
        assert app_id in [a["id"] for a in mine]
        assert (await session.get(Application, app_id, populate_existing=True)).applicant_id == world.citizen.id
        assert (await session.get(User, early, populate_existing=True)).is_active is False
        assert (await client.get("/api/v1/auth/me", headers=mp)).status_code == 401  # the old token is dead
        merged = (await session.execute(select(AuditOutbox.summary).where(AuditOutbox.action == "user.merge"))
                  ).scalars().all()
        merged += (await session.execute(select(AuditRecord.summary).where(AuditRecord.action == "user.merge"))
                   ).scalars().all()
        assert [m["moved"] for m in merged] == [{"applications.applicant_id": 1, "notifications.user_id": 1}]

    async def test_an_account_with_a_password_of_its_own_is_left_as_it_was(self, client, session, fake_wechat,
                                                                          world):
        """A website account that had bound this WeChat earlier is a real account: binding the WeChat to another
        account moves the binding only."""
        other = await create_user(session, display_name="另一个网站账号")
        await session.commit()
        mp = await mini_program(client, fake_wechat, "wx-1", "o-shared")
        first = await new_code(client, other)
        assert (await client.post(f"{CODES}/confirm", json={"code": first["code"]}, headers=mp)).status_code == 200
        r = await client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD},
                              headers=auth(other))
        assert r.status_code == 201, r.text
        again = await mini_program(client, fake_wechat, "wx-2", "o-shared")  # signed in as `other` now
        second = await new_code(client, world.citizen)
        assert (await client.post(f"{CODES}/confirm", json={"code": second["code"]}, headers=again)
                ).status_code == 200
        assert (await session.get(Application, r.json()["id"], populate_existing=True)).applicant_id == other.id
        assert (await session.get(User, other.id, populate_existing=True)).is_active is True


class TestReservedNames:
    async def test_nobody_may_register_a_wechat_accounts_name(self, client):
        r = await client.post("/api/v1/auth/register", json={
            "username": "WX_abcdef", "password": "Qm7#vLx2-Portal!", "display_name": "冒名"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "username"

"""Mini-program sign-in, binding, phone and the shared access_token, against a local server speaking WeChat's
documented API (PORTAL_WECHAT_API_BASE)."""

from sqlalchemy import select

from api.auth.models import User
from api.wechat.models import WechatAccessToken, WechatAccount
from tests.factories import auth

SIGN_IN = "/api/v1/auth/wechat"


class TestSignIn:
    async def test_first_sign_in_creates_a_citizen_and_returns_tokens_in_the_body(self, client, session,
                                                                                    fake_wechat):
        fake_wechat.sessions["code-1"] = {"openid": "o-abc", "session_key": "SECRET-KEY", "unionid": "u-1"}
        r = await client.post(SIGN_IN, json={"code": "code-1"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["access_token"] and body["refresh_token"]
        assert "SECRET-KEY" not in r.text and "session_key" not in r.text
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.status_code == 200 and me.json()["kind"] == "public"
        account = (await session.execute(select(WechatAccount).where(WechatAccount.openid == "o-abc"))).scalar_one()
        assert account.unionid == "u-1"
        # the same openid signs in as the same citizen
        fake_wechat.sessions["code-2"] = {"openid": "o-abc", "session_key": "k2"}
        again = await client.post(SIGN_IN, json={"code": "code-2"})
        me2 = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"})
        assert me2.json()["id"] == me.json()["id"]

    async def test_unionid_finds_the_account_of_another_openid(self, client, session, fake_wechat, world):
        session.add(WechatAccount(user_id=world.citizen.id, openid="o-web", unionid="u-same"))
        await session.commit()
        fake_wechat.sessions["c"] = {"openid": "o-mini", "session_key": "k", "unionid": "u-same"}
        r = await client.post(SIGN_IN, json={"code": "c"})
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert me.json()["id"] == world.citizen.id

    async def test_invalid_code_is_401(self, client, fake_wechat):
        r = await client.post(SIGN_IN, json={"code": "never-issued"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "wechat_code_invalid"

    async def test_busy_and_quota_are_503_with_retry_after(self, client, fake_wechat):
        fake_wechat.sessions["busy"] = {"errcode": -1, "errmsg": "system error"}
        fake_wechat.sessions["quota"] = {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
        for code in ("busy", "quota"):
            r = await client.post(SIGN_IN, json={"code": code})
            assert r.status_code == 503, r.text
            assert r.json()["code"] == "wechat_busy"
            assert int(r.headers["Retry-After"]) >= 1

    async def test_high_risk_user_is_403(self, client, fake_wechat):
        fake_wechat.sessions["risky"] = {"errcode": 40226, "errmsg": "risky user"}
        r = await client.post(SIGN_IN, json={"code": "risky"})
        assert r.status_code == 403 and r.json()["code"] == "wechat_risky_user"

    async def test_off_without_an_appid(self, client):
        r = await client.post(SIGN_IN, json={"code": "x"})
        assert r.status_code == 404 and r.json()["code"] == "wechat_disabled"


class TestBinding:
    async def test_bind_and_unbind(self, client, fake_wechat, world):
        h = auth(world.citizen)
        assert (await client.get("/api/v1/wechat/binding", headers=h)).json()["bound"] is False
        fake_wechat.sessions["b1"] = {"openid": "o-bind", "session_key": "k"}
        r = await client.post("/api/v1/wechat/binding", json={"code": "b1"}, headers=h)
        assert r.status_code == 200 and r.json()["bound"] is True
        # signing in with that WeChat is now signing in as this citizen
        fake_wechat.sessions["b2"] = {"openid": "o-bind", "session_key": "k"}
        tokens = (await client.post(SIGN_IN, json={"code": "b2"})).json()
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.json()["id"] == world.citizen.id
        # another account cannot take it
        fake_wechat.sessions["b3"] = {"openid": "o-bind", "session_key": "k"}
        r = await client.post("/api/v1/wechat/binding", json={"code": "b3"}, headers=auth(world.stranger))
        assert r.status_code == 403 and r.json()["code"] == "wechat_already_bound"
        assert (await client.delete("/api/v1/wechat/binding", headers=h)).status_code == 204
        assert (await client.get("/api/v1/wechat/binding", headers=h)).json()["bound"] is False
        assert (await client.delete("/api/v1/wechat/binding", headers=h)).status_code == 404


class TestPhoneAndToken:
    async def test_phone_is_verified_and_the_token_is_fetched_once(self, client, session, fake_wechat, world):
        h = auth(world.citizen)
        fake_wechat.phones.update({"p1": "13800138000", "p2": "13900139000"})
        r = await client.post("/api/v1/wechat/phone", json={"code": "p1"}, headers=h)
        assert r.status_code == 200 and r.json() == {"phone": "13800138000"}
        r = await client.post("/api/v1/wechat/phone", json={"code": "p2"}, headers=h)
        assert r.json() == {"phone": "13900139000"}
        assert len(fake_wechat.token_calls) == 1  # cached in the database, shared by every process
        assert fake_wechat.token_calls[0]["grant_type"] == "client_credential"
        user = (await session.execute(select(User).where(User.id == world.citizen.id))).scalar_one()
        await session.refresh(user)
        assert user.phone == "13900139000"

    async def test_a_stale_token_is_refreshed_once_and_the_call_retried(self, client, fake_wechat, world):
        h = auth(world.citizen)
        fake_wechat.phones.update({"p1": "13800138000", "p2": "13800138001"})
        await client.post("/api/v1/wechat/phone", json={"code": "p1"}, headers=h)
        fake_wechat.valid_tokens.clear()  # WeChat no longer takes the stored token: 40001
        r = await client.post("/api/v1/wechat/phone", json={"code": "p2"}, headers=h)
        assert r.status_code == 200, r.text
        assert [c["force_refresh"] for c in fake_wechat.token_calls] == [False, True]

    async def test_a_token_near_its_expiry_is_renewed(self, client, session, fake_wechat, world):
        from datetime import timedelta

        from api.database import utcnow
        session.add(WechatAccessToken(appid=fake_wechat.appid, token="OLD", expires_at=utcnow() + timedelta(minutes=4)))
        await session.commit()
        fake_wechat.phones["p"] = "13800138000"
        r = await client.post("/api/v1/wechat/phone", json={"code": "p"}, headers=auth(world.citizen))
        assert r.status_code == 200 and len(fake_wechat.token_calls) == 1

    async def test_phone_of_another_appid_is_refused(self, client, fake_wechat, world):
        fake_wechat.phones["p"] = "13800138000"
        fake_wechat.watermark_appid = "wxOTHER"
        r = await client.post("/api/v1/wechat/phone", json={"code": "p"}, headers=auth(world.citizen))
        assert r.status_code == 403 and r.json()["code"] == "wechat_phone_invalid"

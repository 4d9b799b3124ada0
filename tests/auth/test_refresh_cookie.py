"""The SPA's refresh token lives in an HttpOnly cookie, never in the body; cookie-less clients keep the body."""

import pytest

from api.config import Environment, get_settings
from tests.factories import PASSWORD, create_org_unit, create_user

TOKEN, REFRESH, LOGOUT, ME = "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/me"
COOKIE_MODE = {"X-Token-Delivery": "cookie"}


@pytest.fixture
async def user(session):
    created = await create_user(session, await create_org_unit(session))
    session.expunge_all()
    return created


async def cookie_login(client, user):
    r = await client.post(TOKEN, data={"username": user.username, "password": PASSWORD}, headers=COOKIE_MODE)
    assert r.status_code == 200, r.text
    return r


def set_cookies(r) -> list[str]:
    return [v for k, v in r.headers.multi_items() if k.lower() == "set-cookie"]


class TestCookieMode:
    async def test_login_sets_an_httponly_strict_cookie_scoped_to_refresh_and_logout(self, client, user):
        r = await cookie_login(client, user)
        assert r.json()["refresh_token"] is None
        cookies = set_cookies(r)
        assert sorted(c.split("Path=")[1].split(";")[0] for c in cookies) == ["/api/v1/auth/logout",
                                                                                "/api/v1/auth/refresh"]
        for c in cookies:
            attrs = {a.strip().split("=")[0].lower() for a in c.split(";")}
            assert {"httponly", "samesite", "max-age"} <= attrs
            assert "samesite=strict" in c.lower()
            assert "secure" not in attrs  # development

    async def test_cookie_is_secure_in_production(self, client, user, monkeypatch):
        monkeypatch.setattr(get_settings(), "env", Environment.production)
        r = await cookie_login(client, user)
        assert all("; secure" in c.lower() for c in set_cookies(r))

    async def test_refresh_with_the_cookie_and_the_header_rotates_it(self, client, user):
        first = await cookie_login(client, user)
        r = await client.post(REFRESH, headers=COOKIE_MODE)
        assert r.status_code == 200, r.text
        assert r.json()["refresh_token"] is None
        assert r.json()["access_token"] != first.json()["access_token"]
        assert (await client.get(ME, headers={"Authorization": f"Bearer {r.json()['access_token']}"})
                ).status_code == 200
        assert client.cookies.get("zw_refresh", path="/api/v1/auth/refresh") != first.cookies.get(
            "zw_refresh", path="/api/v1/auth/refresh")

    async def test_cookie_without_the_header_is_403(self, client, user):
        await cookie_login(client, user)
        r = await client.post(REFRESH)
        assert r.status_code == 403
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "csrf_check_failed"

    async def test_logout_clears_the_cookie_and_ends_the_session(self, client, user):
        await cookie_login(client, user)
        stolen = client.cookies.get("zw_refresh", path="/api/v1/auth/refresh")
        r = await client.post(LOGOUT, headers=COOKIE_MODE)
        assert r.status_code == 204
        assert all("max-age=0" in c.lower() for c in set_cookies(r))
        assert client.cookies.get("zw_refresh", path="/api/v1/auth/refresh") is None
        again = await client.post(REFRESH, json={"refresh_token": stolen})
        assert again.status_code == 401

    async def test_no_cookie_and_no_body_is_401(self, client):
        r = await client.post(REFRESH, headers=COOKIE_MODE)
        assert r.status_code == 401


class TestBodyMode:
    async def test_clients_without_cookies_get_the_token_in_the_body(self, client, user):
        r = await client.post(TOKEN, data={"username": user.username, "password": PASSWORD})
        assert r.json()["refresh_token"]
        assert set_cookies(r) == []
        again = await client.post(REFRESH, json={"refresh_token": r.json()["refresh_token"]})
        assert again.status_code == 200
        assert again.json()["refresh_token"]

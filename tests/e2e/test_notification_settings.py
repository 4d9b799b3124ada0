"""A citizen binds WeChat in the SPA (the test plays the mini-program: wx.login() code against the fake WeChat
server, POST /auth/wechat, then confirms the binding code the page shows), chooses notification channels, and sees
the delivery log once an application of theirs is accepted (the live server is SQLite: its in-process worker fans
the notification out)."""

from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.demo.applications import PERSON
from tests.e2e.conftest import DEMO_PASSWORD, eventually
from tests.e2e.test_applications_flow import log_in

pytestmark = pytest.mark.e2e


def token(http: httpx.Client, username: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def bind_in_the_mini_program(live_server: str, live_wechat, code: str) -> None:
    """What the mini-program does with a binding code: sign in with its own wx.login() code, then confirm."""
    live_wechat.sessions["e2e-wx-login"] = {"openid": "o-e2e-citizen", "session_key": "k"}
    with httpx.Client(base_url=live_server, timeout=30) as http:
        r = http.post("/api/v1/auth/wechat", json={"code": "e2e-wx-login"})
        assert r.status_code == 200, r.text
        mp = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = http.post("/api/v1/wechat/binding-codes/confirm", json={"code": code}, headers=mp)
        assert r.status_code == 200, r.text
        as_citizen = {"Authorization": f"Bearer {r.json()['access_token']}"}  # the mini-program goes on as the citizen
        again = http.post("/api/v1/wechat/binding-codes/confirm", json={"code": code}, headers=as_citizen)
        assert again.status_code == 403, again.text  # a code works once


def test_wechat_bound_channels_chosen_and_the_delivery_log_after_acceptance(page: Page, live_server: str,
                                                                             live_wechat) -> None:
    log_in(page, "citizen")
    page.goto("/workspace/notifications/settings")
    expect(page.get_by_test_id("wechat-unbound")).to_be_visible()
    page.get_by_test_id("wechat-bind-start").click()
    expect(page.get_by_role("img", name="小程序绑定二维码")).to_be_visible()
    code = page.get_by_test_id("wechat-bind-code").inner_text().strip()
    assert len(code) == 8
    bind_in_the_mini_program(live_server, live_wechat, code)
    expect(page.get_by_test_id("wechat-bound")).to_be_visible()  # the page polls until the binding shows
    expect(page.get_by_test_id("wechat-bind-panel")).to_have_count(0)
    page.get_by_test_id("pref-all-email").click()
    expect(page.get_by_test_id("pref-all-email").get_by_role("checkbox")).to_be_checked()
    page.get_by_test_id("preferences-save").click()
    expect(page.get_by_text("通知方式已保存")).to_be_visible()

    with httpx.Client(base_url=live_server, timeout=30) as http:
        month = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1).isoformat()
        r = http.post("/api/v1/applications", headers=token(http, "citizen"),
                      json={"service_code": "GJYP", "data": {**PERSON, "month": month, "route": "B1路"}})
        assert r.status_code == 201, r.text
        app_id = r.json()["id"]
        accepted = [http.post(f"/api/v1/applications/{app_id}/accept", headers=token(http, h), json={}).status_code
                    for h in ("handler", "handler2", "handler3")]
        assert 200 in accepted
        citizen = token(http, "citizen")  # the in-process worker delivers on its own: wait for both attempts
        eventually(lambda: len(http.get("/api/v1/notifications/deliveries", headers=citizen).json()["items"]) >= 2,
                   "the acceptance's deliveries (email and WeChat) logged")

    page.reload()
    expect(page.get_by_test_id("pref-all-email").get_by_role("checkbox")).to_be_checked()
    expect(page.get_by_test_id("delivery-status").nth(1)).to_be_visible()
    expect(page.get_by_test_id("delivery-log")).to_contain_text("电子邮件")
    expect(page.get_by_test_id("delivery-status").first).to_have_text("未发送")  # no SMTP on the live server
    expect(page.get_by_test_id("delivery-log")).to_contain_text("未配置邮件服务")

    page.get_by_test_id("wechat-unbind").click()
    expect(page.get_by_test_id("wechat-unbound")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("wechat-unbound")).to_be_visible()

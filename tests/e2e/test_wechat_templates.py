"""An admin configures the subscribe-message template of an event in the SPA (create, edit, disable) and sees
the 47003 data error WeChat answered when a message was sent with it: the test plays a mini-program user (the
fake WeChat server's wx.login() code, a subscribe credit, the WeChat channel) whose application is accepted."""

import re
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.demo.applications import PERSON
from tests.e2e.conftest import eventually
from tests.e2e.test_applications_flow import log_in
from tests.e2e.test_notification_settings import token

pytestmark = pytest.mark.e2e
EVENT = "application.accept"
TEMPLATE = "TPL-E2E-ACCEPT"


def a_mini_program_user_is_told_of_an_acceptance(live_server: str, live_wechat) -> None:
    live_wechat.sessions["e2e-tpl-login"] = {"openid": "o-e2e-template", "session_key": "k"}
    live_wechat.send_errors.append(47003)  # WeChat refuses the message's data
    with httpx.Client(base_url=live_server, timeout=30) as http:
        r = http.post("/api/v1/auth/wechat", json={"code": "e2e-tpl-login"})
        assert r.status_code == 200, r.text
        mp = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = http.put("/api/v1/notifications/preferences", headers=mp,
                     json={"choices": [{"event": EVENT, "channels": ["wechat"]}]})
        assert r.status_code == 200, r.text
        r = http.post("/api/v1/wechat/subscriptions", headers=mp, json={"results": {TEMPLATE: "accept"}})
        assert r.status_code == 200 and r.json()["credits"] == {TEMPLATE: 1}, r.text
        month = (date.today().replace(day=1) + timedelta(days=64)).replace(day=1).isoformat()
        r = http.post("/api/v1/applications", headers=mp,
                      json={"service_code": "GJYP", "data": {**PERSON, "month": month, "route": "B2路"}})
        assert r.status_code == 201, r.text
        app_id = r.json()["id"]
        accepted = [http.post(f"/api/v1/applications/{app_id}/accept", headers=token(http, h), json={}).status_code
                    for h in ("handler", "handler2", "handler3")]
        assert 200 in accepted


def test_admin_configures_a_template_and_sees_its_47003_error(page: Page, live_server: str, live_wechat) -> None:
    log_in(page, "admin")
    page.goto("/workspace/admin/wechat-templates")
    expect(page.get_by_test_id("template-table")).to_contain_text("尚未配置任何模板")
    page.get_by_test_id("template-create").click()
    dialog = page.get_by_test_id("template-dialog")
    events = dialog.get_by_test_id("template-event")
    events.click()
    page.get_by_role("option", name="申请·受理", exact=True).click()
    dialog.get_by_test_id("template-id").fill(TEMPLATE)
    dialog.get_by_test_id("template-page").fill("pages/case/index?id={object_id}")
    dialog.get_by_test_id("template-save").click()
    expect(page.get_by_test_id(f"template-event-{EVENT}")).to_have_text("申请·受理")
    expect(page.get_by_test_id(f"template-state-{EVENT}")).to_have_text("启用")
    table = page.get_by_test_id("template-table")
    expect(table).to_contain_text("thing1 ← 通知标题")

    page.get_by_test_id(f"template-edit-{EVENT}").click()
    dialog.get_by_test_id("template-page").fill("pages/application/detail?id={object_id}")
    dialog.get_by_test_id("template-save").click()
    expect(table).to_contain_text("pages/application/detail?id={object_id}")

    a_mini_program_user_is_told_of_an_acceptance(live_server, live_wechat)
    with httpx.Client(base_url=live_server, timeout=30) as http:  # the in-process worker sends on its own
        admin = token(http, "admin")
        eventually(lambda: any(t["event"] == EVENT and t["last_error"]
                               for t in http.get("/api/v1/wechat/templates", headers=admin).json()),
                   "WeChat's 47003 answer recorded on the template")
    page.reload()
    expect(page.get_by_test_id(f"template-error-{EVENT}")).to_contain_text(re.compile(r"^47003 "))

    page.get_by_test_id(f"template-toggle-{EVENT}").click()
    expect(page.get_by_test_id(f"template-state-{EVENT}")).to_have_text("已停用")
    page.reload()
    expect(page.get_by_test_id(f"template-state-{EVENT}")).to_have_text("已停用")

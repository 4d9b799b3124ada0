import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("header-user-name")).to_be_visible()


def choose(page: Page, field: str, option: str) -> None:
    """Click a radio option's label (Element Plus hides the input under it) and see it checked."""
    page.get_by_test_id(f"option-{field.removeprefix('field-')}-{option}").click()
    expect(page.get_by_test_id(field).get_by_role("radio", name=option, exact=True)).to_be_checked()


def log_out(page: Page) -> None:
    page.get_by_test_id("header-logout").click()
    expect(page.get_by_test_id("header-login-link")).to_be_visible()


def test_vehicle_pass_from_application_to_rating(page: Page, tmp_path) -> None:
    licence = tmp_path / "行驶证.png"
    licence.write_bytes(PNG)

    log_in(page, "citizen")
    page.goto("/services/CLCRZ")
    expect(page.get_by_test_id("service-name")).to_have_text("车辆出入证办理")
    page.get_by_test_id("field-applicant_name").fill("张市民")
    page.get_by_test_id("field-id_number").fill("11010519491231002X")
    page.get_by_test_id("field-phone").fill("13800138000")
    page.get_by_test_id("field-work_unit").fill("某市机关事务管理局")
    page.get_by_test_id("field-plate_no").fill("浙A12345")
    choose(page, "field-vehicle_type", "小型轿车")
    choose(page, "field-pass_type", "长期")
    page.get_by_test_id("field-item-valid_from").locator("input").fill("2026-12-01")
    page.get_by_test_id("field-item-valid_from").locator("input").press("Enter")
    page.get_by_test_id("field-license_files").set_input_files(str(licence))
    expect(page.get_by_test_id("file-license_files")).to_have_text(["行驶证.png"])
    page.get_by_test_id("apply-submit").click()
    expect(page).to_have_url(re.compile(r"/my/applications/\d+$"))
    expect(page.get_by_test_id("application-status")).to_have_text("已提交")
    app_url = page.url
    app_id = app_url.rsplit("/", 1)[1]
    log_out(page)

    log_in(page, "handler")
    page.goto(f"/workspace/applications/{app_id}")
    page.get_by_test_id("action-supplement-request").click()
    prompt = page.get_by_role("dialog", name="要求补正")
    prompt.get_by_role("textbox").fill("驾驶证扫描件")
    prompt.get_by_role("button", name="确定", exact=True).click()
    expect(page.get_by_test_id("application-status")).to_have_text("待补正")
    log_out(page)

    log_in(page, "citizen")
    page.goto(f"/my/applications/{app_id}")
    expect(page.get_by_test_id("supplement-notice")).to_contain_text("驾驶证扫描件")
    page.get_by_test_id("field-license_files").set_input_files(str(licence))
    expect(page.get_by_test_id("file-license_files")).to_have_text(["行驶证.png"])
    page.get_by_test_id("supplement-submit").click()
    expect(page.get_by_test_id("application-status")).to_have_text("已提交")
    log_out(page)

    log_in(page, "handler")
    page.goto(f"/workspace/applications/{app_id}")
    page.get_by_test_id("action-accept").click()
    expect(page.get_by_test_id("application-status")).to_have_text("已受理")
    page.get_by_test_id("action-approve").click()
    page.get_by_role("dialog", name="本部门同意").get_by_role("button", name="确定").click()
    expect(page.get_by_test_id("application-status")).to_have_text("办理中")
    log_out(page)

    log_in(page, "handler2")
    page.goto(f"/workspace/applications/{app_id}")
    page.get_by_test_id("action-approve").click()
    page.get_by_role("dialog", name="本部门同意").get_by_role("button", name="确定").click()
    expect(page.get_by_test_id("application-status")).to_have_text("已办结")
    log_out(page)

    log_in(page, "citizen")
    page.goto(f"/my/applications/{app_id}")
    expect(page.get_by_test_id("application-status")).to_have_text("已办结")
    expect(page.get_by_test_id("timeline")).to_contain_text("要求补正")
    page.get_by_test_id("rating-comment").fill("办理很快，一次办成")
    page.get_by_test_id("rating-submit").click()
    expect(page.get_by_test_id("rating-done")).to_contain_text("非常满意")


def test_handler_assigns_a_case_to_a_colleague(page: Page, live_server: str) -> None:
    token = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": "citizen", "password": DEMO_PASSWORD})
    r = httpx.post(f"{live_server}/api/v1/applications", json={"service_code": "GJYP", "data": {
        "applicant_name": "张市民", "id_number": "11010519491231002X", "phone": "13800138000",
        "work_unit": "某市机关事务管理局", "month": "2026-12-01"}},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert r.status_code == 201, r.text
    app_id, tracking_no = r.json()["id"], r.json()["tracking_no"]

    log_in(page, "handler")
    page.goto(f"/workspace/applications/{app_id}")
    page.get_by_test_id("action-assign").click()
    dialog = page.get_by_test_id("assign-dialog")
    expect(dialog).to_contain_text(f"分派办件 {tracking_no}")
    dialog.get_by_test_id("assign-select").click()
    feng = re.compile(r"^冯经办（车辆管理中心经办人） · 车辆管理中心 · 在办 \d+ 件$")
    colleague = page.get_by_role("option", name=feng)
    expect(colleague).to_be_visible()  # the list is loaded: now its absences mean something
    expect(page.get_by_role("option", name=re.compile("周办理"))).to_have_count(0)  # oneself: that is 领取
    colleague.click()
    dialog.get_by_test_id("assign-submit").click()
    # Filtered by text: another toast (the login's) may still be on screen.
    expect(page.get_by_role("alert").filter(has_text=f"已将 {tracking_no} 分派给 冯经办")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("timeline")).to_contain_text("分派给 冯经办（车辆管理中心经办人）")
    expect(page.get_by_test_id("action-claim")).to_have_count(0)

    # The queue row offers the same dialog; the colleague is now marked as holding the case.
    page.goto("/workspace/applications")
    page.get_by_test_id(f"queue-assign-{app_id}").click()
    page.get_by_test_id("assign-dialog").get_by_test_id("assign-select").click()
    option = page.get_by_role("option", name=re.compile("冯经办.*（当前经办人）"))
    expect(option).to_have_attribute("aria-disabled", "true")
    page.keyboard.press("Escape")
    page.get_by_test_id("assign-dialog").get_by_role("button", name="取消", exact=True).click()
    log_out(page)

    log_in(page, "handler3")
    page.goto(f"/workspace/applications/{app_id}")
    # The header greets 冯经办 by the same name: look at the case's own 经办人 field.
    expect(page.get_by_test_id("application-assignee")).to_have_text("冯经办（车辆管理中心经办人）")


def test_demo_cases_fill_the_workspace(live_server: str) -> None:
    """A fresh `make run` shows cases in every state: queues, the 督办 list, statistics and 好差评."""
    def get(user: str, path: str) -> dict:
        token = httpx.post(f"{live_server}/api/v1/auth/token",
                           data={"username": user, "password": DEMO_PASSWORD}).json()["access_token"]
        r = httpx.get(f"{live_server}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return r.json()

    assert len(get("handler2", "/applications/queue")["items"]) >= 3
    overdue = get("leader", "/applications/overdue")["items"]
    assert any(a["service_code"] == "RYCRZ" and a["deadline"]["status"] in ("overdue", "very_overdue")
               for a in overdue)
    by_status = get("leader", "/applications/statistics")["totals"]["by_status"]
    for state in ("submitted", "accepted", "supplement_requested", "in_progress", "completed", "refused",
                  "not_accepted", "withdrawn"):
        assert by_status.get(state, 0) >= 1, (state, by_status)
    assert get("handler2", "/rectifications")["items"], "the rating of 2 opened a rectification task"

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

GJYP = {"applicant_name": "张市民", "id_number": "11010519491231002X", "phone": "13800138000",
        "work_unit": "某市机关事务管理局", "month": "2026-12-01"}


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def make_bad_rating(base: str, comment: str) -> tuple[int, int]:
    """A 公交月票 application decided by handler and rated 非常不满意 by citizen: (rating id, rectification id)."""
    citizen, handler = _token(base, "citizen"), _token(base, "handler")
    with httpx.Client(base_url=f"{base}/api/v1") as api:
        r = api.post("/applications", json={"service_code": "GJYP", "data": GJYP}, headers=citizen)
        assert r.status_code == 201, r.text
        app_id = r.json()["id"]
        assert api.post(f"/applications/{app_id}/accept", json={}, headers=handler).status_code == 200
        r = api.post(f"/applications/{app_id}/decisions", json={"decision": "approve", "note": "同意"}, headers=handler)
        assert r.json()["status"] == "completed", r.text
        r = api.post(f"/applications/{app_id}/rating", json={"score": 1, "tags": ["态度不好"], "comment": comment},
                     headers=citizen)
        assert r.status_code == 201, r.text
        return r.json()["id"], r.json()["rectification_id"]


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("header-user-name")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_test_id("header-logout").click()
    expect(page.get_by_test_id("header-login-link")).to_be_visible()


def test_handler_follows_up_and_closes_a_rectification(page: Page, live_server: str) -> None:
    _, rect_id = make_bad_rating(live_server, "窗口态度冷淡")

    log_in(page, "handler")
    page.goto("/workspace/rectifications")
    expect(page.get_by_test_id(f"rectification-status-{rect_id}")).to_have_text("待整改")
    page.get_by_test_id(f"rectification-link-{rect_id}").click()
    expect(page.get_by_test_id("rectification-rating")).to_contain_text("窗口态度冷淡")
    expect(page.get_by_test_id("rectification-clock")).to_have_text("正常")

    page.get_by_test_id("close-measures").fill("加强窗口服务培训")
    page.get_by_test_id("close-submit").click()
    expect(page.get_by_role("alert").filter(has_text="须先完成回访")).to_be_visible()
    expect(page.get_by_test_id("rectification-status")).to_have_text("待整改")

    page.get_by_test_id("follow-up-method-phone").click()  # the label: Element Plus hides the input under it
    expect(page.get_by_test_id("follow-up-method").get_by_role("radio", name="电话回访", exact=True)).to_be_checked()
    page.get_by_test_id("follow-up-note").fill("已电话致歉，申请人表示理解")
    page.get_by_test_id("follow-up-submit").click()
    expect(page.get_by_test_id("rectification-status")).to_have_text("已回访")
    expect(page.get_by_test_id("follow-ups-table")).to_contain_text("已电话致歉")

    page.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("rectification-status")).to_have_text("已整改")
    expect(page.get_by_test_id("rectification-measures")).to_contain_text("加强窗口服务培训")
    expect(page.get_by_test_id("rectification-timeline")).to_contain_text("整改办结")


def test_upheld_appeal_cancels_the_rectification(page: Page, live_server: str) -> None:
    rating_id, rect_id = make_bad_rating(live_server, "恶意刷差评")

    log_in(page, "handler")
    page.goto(f"/workspace/rectifications/{rect_id}")
    page.get_by_test_id("action-appeal").click()
    page.get_by_test_id("appeal-reason").fill("申请人当日已按时办结，评价内容与事实不符")
    page.get_by_test_id("appeal-submit").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("申诉中")
    log_out(page)

    log_in(page, "admin")
    page.goto("/workspace/rating-appeals")
    expect(page.get_by_test_id("appeals-table")).to_contain_text("与事实不符")
    page.get_by_test_id(f"appeal-uphold-{rating_id}").click()
    page.get_by_test_id("appeal-note").fill("经核实属恶意差评")
    page.get_by_test_id("appeal-decide-submit").click()
    expect(page.get_by_test_id(f"appeal-uphold-{rating_id}")).to_have_count(0)
    log_out(page)

    log_in(page, "handler")
    page.goto(f"/workspace/rectifications/{rect_id}")
    expect(page.get_by_test_id("rectification-status")).to_have_text("已撤销")
    expect(page.get_by_test_id("appeal-status")).to_have_text("申诉成立")

"""个人中心 on a phone: a citizen's own letters and 依申请公开 requests with their status and deadline, their
applications and messages, an empty state for each list, and nothing wider than the screen."""

import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, sign_in
from tests.e2e.test_phone import overflow

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def test_a_new_citizen_sees_an_empty_state_in_every_list(phone: Page) -> None:
    username = f"me{secrets.token_hex(4)}"
    password = "Qm7#vLx2-Portal!"
    r = phone.request.post("/api/v1/auth/register",
                           data={"username": username, "password": password, "display_name": "赵新用户"})
    assert r.status == 202, r.text()
    sign_in(phone, username, "/me", password)
    expect(phone.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    expect(phone.get_by_test_id("me-letters")).to_contain_text("您还没有以登录身份写过信")
    expect(phone.get_by_test_id("me-disclosure-requests")).to_contain_text("暂无公开申请")
    expect(phone.get_by_test_id("me-applications-list")).to_contain_text("暂无办件")
    expect(phone.get_by_test_id("me-messages")).to_contain_text("暂无消息")
    assert overflow(phone) == []


def test_a_citizen_finds_their_letter_with_its_status_and_deadline(phone: Page) -> None:
    sign_in(phone, "citizen", "/me")
    phone.goto("/interaction")
    phone.get_by_test_id("write-director").click()
    subject = f"小区门口公交站牌缺失{secrets.token_hex(2)}"
    phone.get_by_test_id("write-subject").fill(subject)
    phone.get_by_test_id("write-body").fill("小区门口的公交站牌被撤掉后一直没有恢复，老人候车很不方便。")
    phone.get_by_test_id("write-name").fill("张三")
    phone.get_by_test_id("write-phone").fill("13700002222")
    phone.get_by_test_id("write-submit").click()
    expect(phone.get_by_test_id("complaint-receipt")).to_be_visible()
    tracking_no = phone.get_by_test_id("receipt-tracking-no").inner_text()

    phone.goto("/me")
    row = phone.get_by_test_id(f"me-letter-{tracking_no}")
    expect(row).to_contain_text(subject)
    expect(row).to_contain_text("前答复")
    expect(phone.get_by_test_id("me-applications-list").locator("li").first).to_be_visible()
    phone.wait_for_load_state("networkidle")
    assert overflow(phone) == [], "个人中心 is wider than the phone"

    row.get_by_role("link", name=subject).click()
    expect(phone).to_have_url(re.compile(r"/me/letters/\d+$"))
    expect(phone.get_by_role("heading", name=subject, level=1)).to_be_visible()
    expect(phone.get_by_test_id("my-letter-details")).to_contain_text(tracking_no)
    expect(phone.get_by_test_id("my-letter-status")).not_to_be_empty()
    phone.wait_for_load_state("networkidle")
    assert overflow(phone) == [], "the letter page is wider than the phone"


def _as(live_server: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _answered_letter(live_server: str, subject: str) -> int:
    """The citizen's letter to 局长信箱, accepted, answered by the leader and approved (the staff side through the
    API: its pages have their own browser test)."""
    citizen, leader = _as(live_server, "citizen"), _as(live_server, "leader")
    boxes = httpx.get(f"{live_server}/api/v1/mailboxes").json()
    box = next(b for b in boxes if b["name"] == "局长信箱")
    r = httpx.post(f"{live_server}/api/v1/complaints", headers=citizen, json={
        "mailbox_id": box["id"], "subject": subject, "body": "小区东门路灯坏了，晚上很黑，请尽快修理。"})
    assert r.status_code == 201, r.text
    mine = httpx.get(f"{live_server}/api/v1/complaints", headers=citizen,
                     params={"mine": True, "q": r.json()["tracking_no"]}).json()
    [cid] = [i["id"] for i in mine["items"]]
    for path, body in (("accept", {}), ("draft", {"body": "您好，路灯已于本周修复，感谢来信。"}),
                       ("review", {"decision": "approve"})):
        r = httpx.post(f"{live_server}/api/v1/complaints/{cid}/{path}", headers=leader, json=body)
        assert r.status_code == 200, r.text
    return cid


def test_a_citizen_rates_the_reply_on_their_letter_page(phone: Page, live_server: str) -> None:
    subject = f"东门路灯不亮{secrets.token_hex(2)}"
    cid = _answered_letter(live_server, subject)
    sign_in(phone, "citizen", "/me")
    row = phone.get_by_test_id("me-letters").locator("li").filter(has_text=subject)
    expect(row).to_contain_text("待您评价")  # the list says which answers wait for the writer
    row.get_by_role("link", name=subject).click()
    expect(phone).to_have_url(re.compile(rf"/me/letters/{cid}$"))
    expect(phone.get_by_test_id("my-letter-reply")).to_contain_text("路灯已于本周修复")
    rating = phone.get_by_test_id("my-letter-rating")
    rating.get_by_role("button", name="提交评价").click()
    expect(rating).to_contain_text("请选择评价")  # nothing chosen: said on the field, nothing sent

    rating.get_by_test_id("my-letter-rate-satisfied").click()
    rating.get_by_role("textbox").fill("修得很快")
    rating.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_test_id("my-letter-satisfaction")).to_contain_text("满意（修得很快）")
    expect(phone.get_by_test_id("my-letter-status")).to_have_text("已办结")
    expect(phone.get_by_test_id("my-letter-rating")).to_have_count(0)
    phone.get_by_role("link", name="个人中心").first.click()
    expect(phone.get_by_test_id("me-letters").locator("li").filter(has_text=subject)).not_to_contain_text("待您评价")
    phone.goto(f"/me/letters/{cid}")
    phone.wait_for_load_state("networkidle")
    assert overflow(phone) == [], "the letter page is wider than the phone"

"""依申请公开 end to end: a citizen applies online, the 办公室 handler asks for 补正, the citizen corrects, the
handler answers 部分公开 with the disclosed file and the generated reply document, the citizen downloads it,
and the year's report counts the request in its row."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from docx import Document
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page: Page, username: str, then: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("header-user-name")).to_be_visible()
    page.goto(then)


def log_out(page: Page) -> None:
    page.get_by_test_id("header-logout").click()
    expect(page.get_by_test_id("header-login-link")).to_be_visible()


def test_apply_correct_answer_download_and_report(page: Page, tmp_path) -> None:
    log_in(page, "citizen", "/disclosures/apply")
    expect(page.get_by_test_id("apply-remedy")).to_contain_text("行政复议")
    expect(page.get_by_test_id("fee-amount")).to_have_text("0")
    page.get_by_test_id("apply-unit").click()
    page.get_by_role("treeitem", name="办公室", exact=True).click()
    page.get_by_test_id("apply-identity").fill("110101199001011234")
    page.get_by_test_id("apply-phone").fill("13800138000")
    page.get_by_test_id("apply-info-name").fill("公务用车购置预算")
    page.get_by_test_id("apply-description").fill("请公开本局公务用车购置预算。")
    page.get_by_test_id("apply-file").set_input_files(
        files=[{"name": "身份证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1 0 obj\n%%EOF\n"}])
    expect(page.get_by_test_id("apply-files")).to_contain_text("身份证明.pdf")
    page.get_by_test_id("apply-submit").click()
    expect(page).to_have_url(re.compile(r"/my/disclosure-requests/\d+$"))
    request_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("request-status")).to_have_text("办理中")
    expect(page.get_by_test_id("request-files")).to_contain_text("身份证明.pdf")
    expect(page.get_by_test_id("request-clock")).to_contain_text("20 个工作日")
    log_out(page)

    log_in(page, "handler2", f"/workspace/disclosure-requests/{request_id}")
    due = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=10)).isoformat()
    page.get_by_test_id("supplement-note").fill("请写明预算的年度")
    page.get_by_test_id("supplement-due").locator("input").fill(due)
    page.get_by_test_id("supplement-due").locator("input").press("Enter")
    page.get_by_test_id("action-request-supplement").click()
    expect(page.get_by_test_id("request-status")).to_have_text("待补正")
    log_out(page)

    log_in(page, "citizen", f"/my/disclosure-requests/{request_id}")
    page.get_by_test_id("supplement-text").fill("2026年度公务用车购置预算")
    page.get_by_test_id("action-supplement").click()
    expect(page.get_by_test_id("request-status")).to_have_text("办理中")
    log_out(page)

    log_in(page, "handler2", f"/workspace/disclosure-requests/{request_id}")
    page.get_by_test_id("request-file").set_input_files(
        files=[{"name": "预算表.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1 0 obj\n%%EOF\n"}])
    expect(page.get_by_test_id("request-files")).to_contain_text("预算表.pdf")
    page.get_by_test_id("reply-outcome").click()
    page.get_by_role("option", name="部分公开", exact=True).click()
    page.get_by_test_id("reply-template").click()
    expect(page.get_by_test_id("reply-body")).to_have_value(re.compile("区分处理"))
    page.get_by_test_id("action-reply").click()
    expect(page.get_by_test_id("request-status")).to_have_text("已答复")
    log_out(page)

    log_in(page, "citizen", f"/my/disclosure-requests/{request_id}")
    expect(page.get_by_test_id("request-outcome")).to_have_text("部分公开")
    with page.expect_download() as got:
        page.get_by_test_id("download-reply").click()
    path = tmp_path / "reply.docx"
    got.value.save_as(path)
    assert got.value.suggested_filename.endswith(".docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "政府信息公开申请答复书" in text and "区分处理" in text
    log_out(page)

    log_in(page, "handler2", "/workspace/annual-reports")
    cell = page.get_by_test_id("s3-partly_disclosed-natural_person").get_by_role("spinbutton")
    expect(cell).to_have_value("1")
    expect(page.get_by_test_id("report-check-ok")).to_be_visible()


def test_a_walk_in_request_is_answered_on_the_spot(page: Page, live_server: str) -> None:
    """当场答复: a citizen asks at the counter; the 办公室 handler records the request (through the API, as the counter
    system would) and answers it on the day from its page, where the request then shows as answered on the spot."""
    token = httpx.post(f"{live_server}/api/v1/auth/token",
                       data={"username": "handler2", "password": DEMO_PASSWORD}).json()["access_token"]
    units = httpx.get(f"{live_server}/api/v1/org-units").json()
    office = next(u for u in (units["items"] if isinstance(units, dict) else units) if u["name"] == "办公室")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    r = httpx.post(f"{live_server}/api/v1/disclosure-requests/recorded",
                   headers={"Authorization": f"Bearer {token}"}, json={
                       "unit_id": office["id"], "applicant_type": "natural_person", "applicant_name": "李当面",
                       "identity_no": "110101198502021234", "contact_phone": "13900139000",
                       "info_name": "本局办公地址和办公时间", "info_description": "请告知本局的办公地址和办公时间。",
                       "delivery_form": "paper", "delivery_route": "pickup", "channel": "in_person",
                       "received_date": today})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]

    log_in(page, "handler2", f"/workspace/disclosure-requests/{request_id}")
    expect(page.get_by_test_id("request-status")).to_have_text("办理中")
    page.get_by_test_id("reply-outcome").click()
    page.get_by_role("option", name="予以公开", exact=True).click()
    page.get_by_test_id("reply-template").click()
    expect(page.get_by_test_id("reply-body")).not_to_have_value("")
    page.get_by_test_id("action-reply-on-the-spot").click()
    expect(page.get_by_test_id("request-status")).to_have_text("已答复")
    expect(page.get_by_test_id("request-on-the-spot")).to_have_text("当场答复")
    expect(page.get_by_test_id("action-reply-on-the-spot")).to_have_count(0)

"""An anonymous visitor writes to 局长信箱; the leader forwards, the handler drafts, the leader approves;
the writer looks the reply up with the query code and rates it; the editor publishes it with the phone masked."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.captcha.solver import solve_image
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

SUBJECT = "东门停车场夜间照明不足"
PHONE = "13812345678"


def sign_out(page: Page) -> None:
    page.get_by_test_id("header-logout").click()
    expect(page.get_by_test_id("header-login-link")).to_be_visible()


def open_case(page: Page, username: str, tracking_no: str) -> None:
    sign_in(page, username, "/workspace/complaints")
    page.get_by_test_id("complaints-search").fill(tracking_no)
    page.get_by_test_id("complaints-search").press("Enter")
    page.get_by_test_id(f"complaint-link-{tracking_no}").click()
    expect(page.get_by_test_id("complaint-status")).to_be_visible()


def test_letter_to_the_director_is_answered_rated_and_published(page: Page) -> None:
    page.goto("/interaction")
    page.get_by_test_id("write-director").click()
    page.get_by_test_id("write-subject").fill(SUBJECT)
    page.get_by_test_id("write-body").fill(
        f"我是王小红，电话{PHONE}。东门停车场晚上路灯坏了好几盏，取车很不安全。")
    page.get_by_test_id("write-name").fill("王小红")
    page.get_by_test_id("write-phone").fill(PHONE)
    page.get_by_test_id("write-consent").click()
    image = page.get_by_test_id("captcha-image")
    expect(image).to_have_attribute("src", re.compile("^data:image/svg"))
    page.get_by_test_id("write-captcha").fill(solve_image(image.get_attribute("src")))
    page.get_by_test_id("write-submit").click()
    expect(page.get_by_test_id("complaint-receipt")).to_be_visible()
    tracking_no = page.get_by_test_id("receipt-tracking-no").inner_text()
    query_code = page.get_by_test_id("receipt-query-code").inner_text()
    assert re.fullmatch(r"XF\d{14}", tracking_no)
    assert len(query_code) == 8

    # The leader (who covers 办公室, the mailbox's owner) accepts and forwards to 车辆管理中心.
    open_case(page, "leader", tracking_no)
    expect(page.get_by_test_id("complaint-channel")).to_have_text("本站（网站、小程序）")
    page.get_by_test_id("action-accept").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已受理")
    # Both selects list 车辆管理中心: each one's options are looked up inside that select.
    units = page.get_by_test_id("forward-units")
    units.click()
    units.get_by_role("option", name="车辆管理中心", exact=True).click()
    page.keyboard.press("Escape")
    lead = page.get_by_test_id("forward-lead")
    lead.click()
    lead.get_by_role("option", name="车辆管理中心", exact=True).click()
    page.get_by_test_id("action-forward").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已转办")
    sign_out(page)

    open_case(page, "handler", tracking_no)
    page.get_by_test_id("draft-body").fill("您好！已安排维修，东门停车场路灯本周内全部修复。感谢来信。")
    page.get_by_test_id("action-draft").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("待领导审核")
    sign_out(page)

    open_case(page, "leader", tracking_no)
    expect(page.get_by_test_id("review-draft")).to_contain_text("已安排维修")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已答复")
    sign_out(page)

    page.goto("/interaction/lookup")
    page.get_by_test_id("lookup-tracking-no").fill(tracking_no)
    page.get_by_test_id("lookup-query-code").fill(query_code)
    page.get_by_test_id("lookup-submit").click()
    expect(page.get_by_test_id("lookup-reply")).to_contain_text("已安排维修")
    page.get_by_test_id("rating-satisfied").click()
    page.get_by_test_id("rating-submit").click()
    expect(page.get_by_test_id("lookup-status")).to_have_text("已办结")

    open_case(page, "editor", tracking_no)
    page.get_by_test_id("action-publication-preview").click()
    body = page.get_by_test_id("publication-body")
    expect(body).to_have_value(re.compile(r"138\*\*\*\*5678"))
    assert PHONE not in body.input_value()
    # The public list is read next, in another page load: wait for the publication to be answered, not only for
    # the button to go (the detail can re-render before the POST has committed).
    with page.expect_response(lambda r: r.url.endswith("/publication") and r.request.method == "POST") as answer:
        page.get_by_test_id("action-publish").click()
    assert answer.value.status == 201, answer.value.text()
    expect(page.get_by_test_id("action-publication-preview")).to_have_count(0)
    sign_out(page)

    page.goto("/interaction")
    letters = page.get_by_test_id("published-letters")
    letter = letters.get_by_test_id("published-letter").filter(has_text=SUBJECT)
    expect(letter).to_have_count(1)
    letter.get_by_test_id("published-subject").click()
    published = letter.get_by_test_id("published-body")
    expect(published).to_contain_text("138****5678")
    expect(published).not_to_contain_text(PHONE)
    expect(published).to_contain_text("王**")

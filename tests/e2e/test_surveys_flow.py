"""A signed-in citizen answers the open demo survey, cannot answer it twice, and sees the closed survey's
results drawn as charts."""

import re

import pytest
from playwright.sync_api import Page, expect

from api.demo.surveys import CLOSED_CONSULTATION, CLOSED_SURVEY, OPEN_CONSULTATION, OPEN_SURVEY
from tests.captcha.solver import solve_image
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_citizen_answers_once_and_sees_closed_results(page: Page) -> None:
    sign_in(page, "citizen", "/interaction/surveys")
    page.get_by_test_id("survey-list").get_by_role("link", name=OPEN_SURVEY).click()
    expect(page.get_by_test_id("survey-phase")).to_have_text("进行中")

    # Element Plus hides each input under its label: click the label, then see the input checked.
    page.get_by_test_id("question-0-option-每天").click()
    expect(page.get_by_test_id("question-0").get_by_role("radio", name="每天", exact=True)).to_be_checked()
    for option in ("口味", "排队时间"):
        page.get_by_test_id(f"question-1-option-{option}").click()
        expect(page.get_by_test_id("question-1").get_by_role("checkbox", name=option, exact=True)).to_be_checked()
    rating = page.get_by_test_id("question-2").get_by_role("slider")
    for _ in range(4):
        rating.press("ArrowRight")
    expect(rating).to_have_attribute("aria-valuenow", "4")
    page.get_by_test_id("question-3").get_by_role("textbox").fill("希望增加晚餐窗口。")
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-done")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("survey-already")).to_be_visible()
    expect(page.get_by_test_id("survey-submit")).to_have_count(0)

    page.goto("/interaction/surveys")
    page.get_by_test_id("survey-list").get_by_role("link", name=CLOSED_SURVEY).click()
    expect(page.get_by_test_id("survey-phase")).to_have_text("已结束")
    expect(page.get_by_test_id("survey-results")).to_contain_text("36")
    charts = page.get_by_test_id("survey-results-chart")
    expect(charts).to_have_count(3)  # two choice questions and the rating; the text question is a list
    expect(charts.first.locator("canvas, svg").first).to_be_visible()  # echarts drew something
    expect(page.get_by_test_id("survey-text-answers")).to_contain_text("访客临时车位")


def test_closed_consultation_shows_its_summary_and_takes_no_comments(page: Page) -> None:
    page.goto("/interaction/consultations")
    page.get_by_test_id("consultation-list").get_by_role("link", name=CLOSED_CONSULTATION).click()
    expect(page.get_by_test_id("consultation-summary")).to_contain_text("采纳 3 条")
    expect(page.get_by_test_id("consultation-draft")).to_contain_text("第一条")
    expect(page.get_by_test_id("comment-submit")).to_have_count(0)


def test_anonymous_visitor_comments_on_the_open_consultation(page: Page) -> None:
    page.goto("/interaction/consultations")
    page.get_by_test_id("consultation-list").get_by_role("link", name=OPEN_CONSULTATION).click()
    expect(page.get_by_role("link", name=re.compile(r"\.docx$"))).to_be_visible()
    page.get_by_test_id("comment-body").fill("建议第四条明确派车申请的办理时限。")
    image = page.get_by_test_id("comment-captcha-image")
    expect(image).to_have_attribute("src", re.compile("^data:image/svg"))
    page.get_by_test_id("comment-captcha").fill(solve_image(image.get_attribute("src")))
    page.get_by_test_id("comment-submit").click()
    expect(page.get_by_test_id("comment-sent")).to_be_visible()


def test_editor_drafts_publishes_and_closes_a_survey(page: Page) -> None:
    sign_in(page, "editor", "/workspace/surveys")
    page.get_by_test_id("survey-new").click()
    page.get_by_test_id("survey-title").fill("办公区绿化养护满意度调查")
    first = page.get_by_test_id("edit-question-0")
    page.get_by_test_id("question-text-0").fill("您对绿化养护是否满意？")
    first.get_by_placeholder("选项 1").fill("满意")
    first.get_by_placeholder("选项 2").fill("不满意")
    page.get_by_role("button", name="+ 评分题").click()
    page.get_by_test_id("question-text-1").fill("总体评分")
    page.get_by_test_id("survey-save").click()
    expect(page).to_have_url(re.compile(r"/workspace/surveys$"))

    row = page.get_by_test_id("survey-admin-table").get_by_role("row").filter(has_text="办公区绿化养护满意度调查")
    expect(row).to_contain_text("草稿")
    row.get_by_role("button", name="发布", exact=True).click()
    page.get_by_role("dialog", name="办公区绿化养护满意度调查").get_by_role("button", name="确定", exact=True).click()
    expect(row).to_contain_text("进行中")
    expect(row.get_by_test_id(re.compile(r"^survey-count-"))).to_have_text("0")
    row.get_by_role("button", name="提前结束", exact=True).click()
    page.get_by_role("dialog", name="办公区绿化养护满意度调查").get_by_role("button", name="确定", exact=True).click()
    expect(row).to_contain_text("已结束")

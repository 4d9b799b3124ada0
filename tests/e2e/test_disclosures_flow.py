"""The editor drafts an item and submits it; the reviewer approves it; the secrecy officer clears and
publishes it; a visitor finds it by a two-character word in its title and opens it, seeing its 索引号;
the reviewer then retracts it with a reason and the visitor's page says it is gone."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

WORD = "澍霖"  # rare enough that only this item matches
TITLE = f"关于{WORD}苑办公区食堂改造期间就餐安排的通知"


def sign_out(page: Page) -> None:
    page.get_by_test_id("header-logout").click()
    expect(page.get_by_test_id("header-login-link")).to_be_visible()


def open_from_queue(page: Page, username: str, queue: str) -> None:
    sign_in(page, username, f"/workspace/disclosures/{queue}")
    page.get_by_test_id("version-table").get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_test_id("review-panel")).to_be_visible()


def test_item_is_drafted_reviewed_cleared_and_found_by_a_visitor(page: Page) -> None:
    sign_in(page, "editor", "/workspace/disclosures/new")
    page.get_by_test_id("edit-column").click()
    page.get_by_role("option", name="通知公告", exact=True).click()
    page.get_by_test_id("edit-title").fill(TITLE)
    page.get_by_test_id("edit-body").fill("食堂改造期间，一楼餐厅暂停供餐，请到二楼餐厅就餐。")
    page.get_by_test_id("edit-submit").click()
    expect(page).to_have_url(re.compile(r"/workspace/disclosures/versions/\d+$"))
    expect(page.get_by_test_id("version-status")).to_have_text("待审核")
    expect(page.get_by_test_id("version-body")).to_contain_text("二楼餐厅")
    sign_out(page)

    open_from_queue(page, "reviewer", "review")
    page.get_by_test_id("review-comment").fill("同意")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("version-status")).to_have_text("待保密审查")
    sign_out(page)

    open_from_queue(page, "secrecy", "secrecy")
    expect(page.get_by_test_id("findings")).to_contain_text("未发现")
    page.get_by_test_id("action-publish").click()
    expect(page.get_by_test_id("version-status")).to_have_text("已发布")
    expect(page.get_by_test_id("version-history")).to_contain_text("保密审查通过并发布")
    sign_out(page)

    page.goto("/disclosures")
    page.get_by_test_id("disclosure-search-input").fill(WORD)
    page.get_by_test_id("disclosure-search-submit").click()
    results = page.get_by_test_id("catalogue-results")
    # Only this item has the word: one result, its match highlighted.
    expect(results.get_by_test_id("disclosure-item-link")).to_have_count(1)
    expect(results.get_by_test_id("disclosure-item-link").locator("mark")).to_have_text(WORD)
    results.get_by_test_id("disclosure-item-link").click()
    expect(page.get_by_test_id("disclosure-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("disclosure-index-no")).to_have_text(re.compile(r"\S+/\d{4}-\d+"))
    item_url = page.url

    sign_in(page, "reviewer", "/workspace/disclosures/review")
    page.get_by_test_id("queue-published").click()
    page.get_by_test_id("version-table").get_by_role("link", name=TITLE, exact=True).click()
    page.get_by_test_id("action-retract").click()
    page.get_by_test_id("retract-confirm").click()
    expect(page.get_by_test_id("retract-reason-item")).to_contain_text("请填写撤回理由")  # said on the field
    expect(page.get_by_test_id("version-status")).to_have_text("已发布")  # no reason, nothing sent
    page.get_by_test_id("retract-reason").fill("就餐安排已调整，另行通知")
    page.get_by_test_id("retract-confirm").click()
    expect(page.get_by_test_id("version-status")).to_have_text("已撤回")
    expect(page.get_by_test_id("version-history")).to_contain_text("就餐安排已调整")
    sign_out(page)

    page.goto(item_url)
    expect(page.get_by_test_id("disclosure-missing")).to_contain_text("信息不存在或已撤回")

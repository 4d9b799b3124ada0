"""The 信息员 keeps the 政府信息公开指南 in the workspace and the public guide shows the new section; a 政策解读
draft names the policy it interprets by searching published items by title, and keeps it after saving."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_editor_edits_the_guide_and_links_an_interpretation(page: Page) -> None:
    sign_in(page, "editor", "/workspace/disclosure-guide")
    expect(page.get_by_test_id("guide-edit-section")).to_have_count(4)
    page.get_by_test_id("guide-add-section").click()
    page.get_by_test_id("guide-edit-title").nth(4).fill("受理机构")
    page.get_by_test_id("guide-edit-body").nth(4).fill("本局办公室受理政府信息公开申请，地址：某路1号。")
    page.get_by_test_id("guide-save").click()
    expect(page.get_by_text("公开指南已保存")).to_be_visible()
    page.goto("/disclosures/guide")
    expect(page.get_by_test_id("guide-section")).to_have_count(5)
    expect(page.get_by_test_id("guide-section").nth(4)).to_contain_text("本局办公室受理政府信息公开申请")

    policy = page.request.get("/api/v1/disclosures?limit=1").json()["items"][0]
    page.goto("/workspace/disclosures/new")
    page.get_by_test_id("edit-column").click()
    page.get_by_role("option", name="通知公告", exact=True).click()
    page.get_by_test_id("edit-title").fill("关于政策文件的解读")
    page.get_by_test_id("edit-body").fill("本解读说明该文件的出台背景和主要内容。")
    picker = page.get_by_test_id("edit-interprets")
    picker.click()
    picker.locator("input").fill(policy["title"][:8])
    page.get_by_role("option", name=policy["title"]).first.click()
    page.get_by_test_id("edit-save").click()
    expect(page).to_have_url(re.compile(r"/workspace/disclosures/versions/\d+/edit$"))
    page.reload()
    expect(page.get_by_test_id("edit-interprets")).to_contain_text(policy["title"])

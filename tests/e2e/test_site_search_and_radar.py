"""Issue 16: the header's search box leads to grouped results on every public page, a synonym included; an
admin opens the compliance radar, runs the link check and sees the findings, the fix links and the trend."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_header_search_groups_results_with_the_synonym(page: Page) -> None:
    page.goto("/interaction")
    box = page.get_by_role("search").get_by_role("searchbox", name="全站搜索")
    box.fill("公车")
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.get_by_test_id("site-search-summary")).to_contain_text("公务用车")
    disclosures = page.get_by_test_id("site-search-group-disclosure")
    expect(disclosures.locator("mark").first).to_have_text("公务用车")
    surveys = page.get_by_test_id("site-search-group-survey")
    expect(surveys).to_be_visible()
    page.get_by_test_id("site-search-kind-disclosure").click()
    expect(page).to_have_url(re.compile(r"kind=disclosure"))
    expect(page.get_by_test_id("site-search-group-survey")).to_have_count(0)
    disclosures.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/disclosures/\d+$"))
    expect(page.get_by_test_id("disclosure-views")).to_have_text(re.compile(r"^[1-9]\d*$"))


def test_admin_runs_the_radar(page: Page) -> None:
    page.goto("/login?redirect=/workspace/compliance")
    page.get_by_test_id("login-username").fill("admin")
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/workspace/compliance$"))
    expect(page.get_by_role("heading", name="合规检查")).to_be_visible()
    expect(page.get_by_test_id("compliance-verdict")).to_contain_text("单项否决")
    page.get_by_test_id("compliance-run-links").click()
    expect(page.get_by_text(re.compile(r"已检查 \d+ 个链接和附件"))).to_be_visible()
    expect(page.get_by_test_id("compliance-trend").locator("canvas").first).to_be_visible()
    page.get_by_test_id("compliance-check-column_stale").click()
    findings = page.get_by_test_id("compliance-findings")
    expect(findings).to_be_visible()
    fix = findings.get_by_role("link", name="去处理")
    if fix.count():
        expect(fix.first).to_have_attribute("href", re.compile(r"^/workspace/"))

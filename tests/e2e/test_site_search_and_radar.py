"""Issue 16: the header's search box leads to grouped results on every public page, a synonym included; an
admin opens the compliance radar, runs the link check and sees the findings, the fix links and the trend."""

import re
import sqlite3
from pathlib import Path

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
    # The beacon answered; headless Chromium says so in its User-Agent, so its view is not counted.
    expect(page.get_by_test_id("disclosure-views")).to_have_text("0")


def test_admin_runs_the_radar(page: Page, live_db: Path) -> None:
    with sqlite3.connect(live_db) as db:  # a column nobody has published in: one empty-column finding
        unit_id, unit_name = db.execute("SELECT id, name FROM org_units WHERE kind = 'department' "
                                        "ORDER BY id LIMIT 1").fetchone()
        column_id = db.execute(
            "INSERT INTO columns (name, slug, owner_unit_id, freshness, is_homepage, review_levels, sort_order, "
            "created_at) VALUES ('雷达测试空栏目', 'radar-e2e-empty', ?, 'notice', 0, 1, 999, "
            "'2026-01-01 00:00:00') RETURNING id", (unit_id,)).fetchone()[0]
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
    page.get_by_test_id("compliance-check-column_empty").click()
    row = page.get_by_test_id("compliance-findings").get_by_role("row").filter(has_text="雷达测试空栏目")
    expect(row).to_contain_text(unit_name)
    # The department's editor fixes it there (an admin holds no editor role, so the link is not for them).
    expect(row.get_by_role("link", name="去处理")).to_have_attribute(
        "href", f"/workspace/disclosures/new?column_id={column_id}")

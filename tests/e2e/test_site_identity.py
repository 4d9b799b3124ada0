"""What every gov.cn page carries: the site-identity <meta> tags (and an item's own), the footer's
网站标识码 and 备案 links, 网站地图, and a citizen's own 个人中心 instead of the staff workspace."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def meta(page: Page, name: str) -> str | None:
    return page.evaluate(f"() => document.querySelector('meta[name=\"{name}\"]')?.content ?? null")


def test_site_and_column_tags_on_a_list_and_item_tags_on_an_item(page: Page) -> None:
    page.goto("/disclosures")
    expect(page.get_by_test_id("site-identity")).to_contain_text("网站标识码")
    expect(page.get_by_role("link", name="我为政府网站找错")).to_have_attribute("href", re.compile("zfwzzc"))
    page.wait_for_function("() => document.querySelector('meta[name=SiteIDCode]')")
    assert meta(page, "SiteName") and meta(page, "SiteDomain")
    assert meta(page, "ColumnName") == "政务公开"
    assert meta(page, "ArticleTitle") is None

    page.get_by_test_id("latest-disclosures").get_by_role("link").first.click()
    title = page.get_by_test_id("disclosure-title").inner_text()
    page.wait_for_function("() => document.querySelector('meta[name=ArticleTitle]')")
    assert meta(page, "ArticleTitle") == title
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", meta(page, "PubDate") or "")
    assert meta(page, "ContentSource")
    assert page.title().startswith(title)  # a share shows the item's title
    assert page.evaluate("() => document.querySelector('meta[property=\"og:title\"]').content") == title

    page.goto("/site/sitemap")
    expect(page.get_by_role("heading", name="网站地图", level=1)).to_be_visible()
    page.get_by_test_id("site-footer").get_by_role("link", name="联系我们").click()
    expect(page.get_by_test_id("contact-details")).to_contain_text("电子邮箱")


def test_citizen_gets_a_personal_centre_not_the_workspace(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill("citizen")
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("header-workspace-link").click()
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    page.goto("/workspace")
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_text("暂无角色")).to_have_count(0)
    page.get_by_test_id("me-applications").click()
    expect(page).to_have_url(re.compile(r"/my/applications$"))

"""信息员 rewrites 联系我们 in the workspace; the public page shows the new text at once, with the address lines."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_an_editor_updates_the_contact_page_and_the_public_sees_it(page: Page) -> None:
    page.goto("/site/contact")
    expect(page.get_by_test_id("site-page-body")).to_contain_text("互动交流")
    page.goto("/login?redirect=/workspace/site-pages")
    page.get_by_test_id("login-username").fill("editor")
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/workspace/site-pages$"))
    page.get_by_role("tab", name="联系我们").click()
    expect(page.get_by_test_id("site-page-title")).to_have_value("联系我们")
    expect(page.get_by_test_id("site-page-editor")).to_contain_text("互动交流")
    page.get_by_test_id("site-page-editor").fill("信访接待室：办公楼一层东侧，接待时间为工作日上午。")
    page.get_by_test_id("site-page-save").click()
    expect(page.get_by_test_id("site-page-updated")).to_contain_text("最后修改")

    page.goto("/site/contact")
    expect(page.get_by_role("heading", name="联系我们", level=1)).to_be_visible()
    expect(page.get_by_test_id("site-page-body")).to_contain_text("信访接待室：办公楼一层东侧")
    expect(page.get_by_test_id("contact-details")).to_contain_text("电子邮箱")

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_admin_creates_a_user_then_logs_out(page: Page) -> None:
    page.goto("/")
    login_link = page.get_by_test_id("header-login-link")
    expect(login_link).to_be_visible()
    login_link.click()
    expect(page).to_have_url(re.compile(r"/login$"))

    log_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/workspace$"))
    expect(page.get_by_test_id("header-user-name")).to_contain_text("王建国")

    page.get_by_role("menuitem", name="用户管理").click()
    expect(page).to_have_url(re.compile(r"/workspace/admin/users$"))
    table = page.get_by_test_id("users-table")
    expect(table.get_by_test_id("user-display-name-admin")).to_have_text("王建国（系统管理员）")

    username = f"e2e_{uuid.uuid4().hex[:8]}"
    page.get_by_test_id("users-create").click()
    page.get_by_test_id("user-form-username").fill(username)
    page.get_by_test_id("user-form-display-name").fill("测试用户")
    page.get_by_test_id("user-form-password").fill("Init#Pass2026")
    page.get_by_test_id("user-form-phone").fill("13900139000")
    page.get_by_test_id("user-form-submit").click()

    expect(page.get_by_role("dialog", name="新建用户")).to_be_hidden()
    expect(table.get_by_test_id(f"user-username-{username}")).to_have_text(username)

    # The new account is really stored: searching asks the server again.
    page.get_by_test_id("users-search").fill(username)
    page.get_by_test_id("users-search").press("Enter")
    expect(table.get_by_test_id(re.compile(r"^user-username-"))).to_have_count(1)
    expect(table.get_by_test_id(f"user-username-{username}")).to_have_text(username)
    expect(table.get_by_test_id(f"user-org-unit-{username}")).to_have_text("某市机关事务管理局")

    page.get_by_test_id("header-logout").click()
    expect(page.get_by_test_id("header-login-link")).to_be_visible()
    expect(page.get_by_test_id("header-user-name")).to_have_count(0)

"""The SPA keeps its refresh token in the HttpOnly cookie: nothing in storage, a reload restores the session."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_refresh_token_stays_out_of_page_storage_and_a_reload_keeps_the_session(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill("citizen")
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("header-user-name")).to_be_visible()

    stored = page.evaluate("() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
    assert "refresh" not in stored
    assert page.evaluate("() => document.cookie") == ""  # HttpOnly, and scoped to the refresh and logout paths
    cookies = page.context.cookies()
    refresh = [c for c in cookies if c["name"] == "zw_refresh"]
    assert sorted(c["path"] for c in refresh) == ["/api/v1/auth/logout", "/api/v1/auth/refresh"]
    assert all(c["httpOnly"] and c["sameSite"] == "Strict" for c in refresh)

    # A reload without an access token goes through the cookie refresh.
    page.evaluate("() => localStorage.removeItem('zw.access_token')")
    with page.expect_response(re.compile(r"/api/v1/auth/refresh$")) as refreshed:
        page.reload()
    assert refreshed.value.status == 200
    expect(page.get_by_test_id("header-user-name")).to_be_visible()

    # The header signs out at once and tells the server after: wait for that answer, which clears the cookie.
    with page.expect_response(re.compile(r"/api/v1/auth/logout$")) as logged_out:
        page.get_by_test_id("header-logout").click()
    assert logged_out.value.ok
    expect(page.get_by_test_id("header-login-link")).to_be_visible()
    assert [c for c in page.context.cookies() if c["name"] == "zw_refresh"] == []

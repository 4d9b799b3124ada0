"""The public site on a phone (390×844 and 360×780): no page scrolls sideways, the menu folds, and the
home page's first load stays within its transfer budget (the check CI runs on every change)."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e

PHONES = {"390x844": (390, 844), "360x780": (360, 780)}
# First load of the public home page, everything the browser fetched (HTML, JS, CSS, fonts, API JSON),
# as transferred on the wire (compressed bytes plus headers).
HOME_BUDGET_BYTES = 250 * 1024

PUBLIC_PAGES = [
    "/",
    "/disclosures",
    "/disclosures/catalogue",
    "/services",
    "/services/CLCRZ",
    "/interaction",
    "/interaction/write/1",
    "/interaction/lookup",
    "/interaction/surveys",
    "/interaction/consultations",
    "/login",
    "/register",
    "/site/sitemap",
    "/no-such-page",
]


@pytest.fixture(params=list(PHONES))
def phone(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    width, height = PHONES[request.param]
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, device_scale_factor=2,
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def overflow(page: Page) -> list[str]:
    """Elements reaching past the right edge of the viewport (empty when nothing scrolls sideways)."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth
            if (document.documentElement.scrollWidth <= width) return []
            return [...document.querySelectorAll('body *')]
              .filter((el) => el.getBoundingClientRect().right > width + 1)
              .slice(0, 8)
              .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))
        }"""
    )


def settle(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1").first).to_be_visible()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_no_public_page_scrolls_sideways(phone: Page, path: str) -> None:
    settle(phone, path)
    assert overflow(phone) == [], f"{path} is wider than the phone"


def test_the_menu_folds_and_opens(phone: Page) -> None:
    settle(phone, "/")
    nav = phone.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="政务公开")).to_be_hidden()
    phone.get_by_role("button", name="菜单").click()
    nav.get_by_role("link", name="政务公开").click()
    expect(phone).to_have_url(re.compile(r"/disclosures$"))
    expect(nav.get_by_role("link", name="网上办事")).to_be_hidden()  # folds again after a choice
    header = phone.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] < 0.2 * phone.viewport_size["height"]


def test_home_page_first_load_is_within_budget(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True)
    page = context.new_page()
    try:
        page.goto("/")
        page.wait_for_load_state("networkidle")
        sizes = page.evaluate(
            """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                 .map((e) => [e.name, e.transferSize])"""
        )
    finally:
        context.close()
    total = sum(size for _, size in sizes)
    report = "\n".join(f"{size:>8} {name}" for name, size in sorted(sizes, key=lambda s: -s[1]))
    assert all(size > 0 for _, size in sizes), f"a resource came from a cache, not the wire:\n{report}"
    assert total <= HOME_BUDGET_BYTES, f"home page first load {total} B > budget {HOME_BUDGET_BYTES} B:\n{report}"


def test_back_from_an_item_keeps_the_catalogue_pages_and_scroll(phone: Page) -> None:
    settle(phone, "/disclosures/catalogue")
    items = phone.locator("[data-testid^='disclosure-item-']")
    first_page = items.count()
    phone.get_by_test_id("catalogue-more").click()
    expect(items).not_to_have_count(first_page)
    loaded = items.count()
    target = items.nth(loaded - 2)
    target.scroll_into_view_if_needed()
    scrolled = phone.evaluate("() => window.scrollY")
    assert scrolled > 0
    target.get_by_test_id("disclosure-item-link").click()
    expect(phone).to_have_url(re.compile(r"/disclosures/\d+$"))
    phone.go_back()
    expect(items).to_have_count(loaded)
    phone.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) < 40")

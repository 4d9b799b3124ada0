"""axe-core (web/node_modules/axe-core, the SPA's own dev dependency) on public and staff pages: no
critical or serious violation of WCAG 2.1 A/AA (GB/T 37668-2019 follows it). Also the skip link and the
无障碍 toolbar's choices surviving a reload."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ROOT, sign_in

pytestmark = pytest.mark.e2e

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"

PUBLIC = [
    "/", "/disclosures", "/disclosures/catalogue", "/services", "/services/CLCRZ", "/interaction",
    "/interaction/write/1", "/interaction/lookup", "/interaction/surveys", "/interaction/consultations",
    "/login", "/register", "/no-such-page", "/site/about", "/site/contact", "/site/privacy",
]
STAFF = {
    "editor": ["/workspace", "/workspace/disclosures", "/workspace/disclosures/new", "/workspace/surveys",
               "/workspace/complaints", "/workspace/calendar", "/workspace/notifications", "/workspace/profile",
               "/workspace/site-pages"],
    "handler": ["/workspace/applications", "/workspace/complaints/statistics"],
    "citizen": ["/my/applications", "/me"],
}


@pytest.fixture
def axe_page(browser: Browser, live_server: str) -> Iterator[Page]:
    if not AXE.is_file():
        pytest.skip("web/node_modules/axe-core is missing: npm ci in web/")
    # axe is injected as an inline script, which the site's Content-Security-Policy rightly refuses.
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1366, "height": 900},
                                  bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def serious_violations(page: Page, path: str) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1").first).to_be_attached()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
            const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } })
            return r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')
              .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
        }"""
    )
    return [f"{path} {line}" for line in result]


def test_public_pages_have_no_serious_violations(axe_page: Page) -> None:
    found = [v for path in PUBLIC for v in serious_violations(axe_page, path)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("username", list(STAFF))
def test_signed_in_pages_have_no_serious_violations(axe_page: Page, username: str) -> None:
    sign_in(axe_page, username)
    found = [v for path in STAFF[username] for v in serious_violations(axe_page, path)]
    assert found == [], "\n".join(found)


def test_at_least_twenty_pages_are_checked() -> None:
    assert len(PUBLIC) + sum(len(p) for p in STAFF.values()) >= 20


def test_skip_link_moves_focus_to_the_content(page: Page) -> None:
    page.goto("/disclosures")
    expect(page.locator("h1").first).to_be_visible()  # the app has mounted: Tab starts from the page top
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_reading_preferences_are_remembered_by_the_browser(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="无障碍").click()
    page.get_by_test_id("font-large").click()
    page.get_by_test_id("elder-mode").click()
    html = page.locator("html")
    expect(html).to_have_class(re.compile(r"\bfont-large\b"))
    expect(html).to_have_class(re.compile(r"\belder-mode\b"))
    page.reload()
    expect(html).to_have_class(re.compile(r"\belder-mode\b"))
    expect(html).to_have_class(re.compile(r"\bfont-large\b"))
    page.get_by_test_id("elder-mode").click()
    expect(html).not_to_have_class(re.compile(r"\belder-mode\b"))



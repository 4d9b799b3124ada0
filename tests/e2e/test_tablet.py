"""The staff pages on a tablet (820×1180 portrait, 1024×768 landscape): the application and letter queues, a case,
and the editor's form stay within the screen (tables scroll inside their own box, the page never sideways)."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_phone import overflow

pytestmark = pytest.mark.e2e

TABLETS = {"820x1180": (820, 1180), "1024x768": (1024, 768)}


@pytest.fixture(params=list(TABLETS))
def tablet(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    width, height = TABLETS[request.param]
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": width, "height": height}, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def cut_off(page: Page) -> list[str]:
    """Elements reaching past the right edge other than inside a box of their own that scrolls sideways (a wide
    table's body): the workspace scrolls in its main area, so the document's width alone would not tell."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth
            const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
            const clipped = (el) => {
              // The layout's own scrolling area (main) is the page: content wider than it scrolls the page sideways.
              const page = (a) => a === document.body || a.matches('main, .el-main')
              for (let a = el.parentElement; a && !page(a); a = a.parentElement) {
                if (scrolls(a) && a.getBoundingClientRect().right <= width + 1) return true
              }
              return false
            }
            return [...document.querySelectorAll('body *')]
              .filter((el) => {
                const r = el.getBoundingClientRect()
                return r.width > 0 && r.height > 0 && r.right > width + 1 && !clipped(el)
              })
              .slice(0, 8)
              .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))
        }"""
    )


def fits(page: Page, what: str) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1").first).to_be_visible()
    assert overflow(page) == [], f"{what} is wider than the tablet"
    assert cut_off(page) == [], f"{what} is cut off at the tablet's right edge"


def test_handler_queue_and_case_fit_a_tablet(tablet: Page) -> None:
    sign_in(tablet, "handler", "/workspace/applications")
    queue = tablet.get_by_test_id("applications-table").first  # the 待办 tab
    expect(queue).to_be_visible()
    fits(tablet, "the application queue")
    queue.locator("[data-testid^='application-link-']").first.click()
    expect(tablet).to_have_url(re.compile(r"/workspace/applications/\d+$"))
    fits(tablet, "an application")

    tablet.goto("/workspace/complaints")
    link = tablet.locator("[data-testid^='complaint-link-']").first
    expect(link).to_be_visible()
    fits(tablet, "the letter queue")
    link.click()
    expect(tablet.get_by_test_id("complaint-status")).to_be_visible()
    fits(tablet, "a letter")


def test_editor_form_fits_a_tablet(tablet: Page) -> None:
    sign_in(tablet, "editor", "/workspace/disclosures")
    fits(tablet, "the editor's drafts")
    tablet.goto("/workspace/disclosures/new")
    expect(tablet.get_by_role("heading", name="新建信息", level=1)).to_be_visible()
    fits(tablet, "the new-item form")
    tablet.goto("/workspace/site-pages")
    expect(tablet.get_by_test_id("site-page-editor")).to_be_visible()
    fits(tablet, "the site pages editor")

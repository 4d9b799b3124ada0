"""浏览次数 on every public item page, not only disclosures: a service guide, a survey, a consultation and a
published letter each send their beacon under their own kind, and a second visit shows one more."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from api.demo.surveys import OPEN_CONSULTATION, OPEN_SURVEY

pytestmark = pytest.mark.e2e

# Headless Chromium says so in its User-Agent and is not counted (a bot): this visitor reads as a person does.
PERSON = ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 "
          "MicroMessenger/8.0.49")


@pytest.fixture
def person(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="zh-CN", user_agent=PERSON,
                                  viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def counted(views: Locator) -> int:
    """The number a page shows once its beacon answered."""
    expect(views).to_have_text(re.compile(r"^[1-9]\d*$"))
    return int(views.inner_text())


def visit_twice(page: Page, open_item, views_testid: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    beacons: list[str] = []
    page.on("request", lambda r: beacons.append(r.post_data or "") if r.url.endswith("/api/v1/visits") else None)
    open_item()
    first = counted(page.get_by_test_id(views_testid))
    open_item()
    expect(page.get_by_test_id(views_testid)).to_have_text(str(first + 1))
    assert len(beacons) == 2 and all(f'"kind":"{kind}"' in b for b in beacons), beacons


def test_service_guide_survey_consultation_and_letter_count_their_views(person: Page) -> None:
    def guide() -> None:
        person.goto("/services/CLCRZ")

    visit_twice(person, guide, "service-views", "service")

    def survey() -> None:
        person.goto("/interaction/surveys")
        person.get_by_test_id("survey-list").get_by_role("link", name=OPEN_SURVEY).click()

    visit_twice(person, survey, "survey-views", "survey")

    def consultation() -> None:
        person.goto("/interaction/consultations")
        person.get_by_test_id("consultation-list").get_by_role("link", name=OPEN_CONSULTATION).click()

    visit_twice(person, consultation, "consultation-views", "consultation")

    def letter() -> None:
        person.goto("/interaction")
        person.get_by_test_id("published-letter").first.get_by_role("button").first.click()

    visit_twice(person, letter, "letter-views", "letter")

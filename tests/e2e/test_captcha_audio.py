"""The captcha's audio alternative: a visitor who cannot read the drawing listens to the question and
writes the letter with the answer they heard."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.captcha.audio_solver import solve_audio

pytestmark = pytest.mark.e2e


def test_a_letter_goes_through_with_the_spoken_captcha(page: Page) -> None:
    page.goto("/interaction")
    page.get_by_test_id("write-director").click()
    page.get_by_test_id("write-subject").fill("办事大厅无障碍通道被占用")
    page.get_by_test_id("write-body").fill("办事大厅北侧的无障碍通道经常堆放杂物，轮椅无法通过。")
    page.get_by_test_id("write-name").fill("李明")
    page.get_by_test_id("write-phone").fill("13900001111")
    expect(page.get_by_test_id("captcha-image")).to_have_attribute("src", re.compile("^data:image/svg"))
    button = page.get_by_role("button", name="收听语音验证码")
    with page.expect_response(re.compile(r"/api/v1/captcha/[0-9a-f]{32}/audio")) as heard:
        button.click()
    response = heard.value
    assert response.status == 200 and response.headers["content-type"] == "audio/wav"
    page.get_by_test_id("write-captcha").fill(solve_audio(response.body()))
    page.get_by_test_id("write-submit").click()
    expect(page.get_by_test_id("complaint-receipt")).to_be_visible()

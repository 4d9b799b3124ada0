import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_admin_flow import log_in

pytestmark = pytest.mark.e2e


def test_admin_registers_a_client_and_sees_its_usage(page: Page, live_server: str) -> None:
    page.goto("/login")
    log_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/workspace$"))
    page.get_by_role("menuitem", name="接入客户端").click()
    expect(page).to_have_url(re.compile(r"/workspace/admin/api-clients$"))

    page.get_by_test_id("api-client-create").click()
    page.get_by_test_id("api-client-form-name").fill("市政府门户网站")
    page.get_by_test_id("api-client-form-contact").fill("王工 0571-12345678")
    page.get_by_role("dialog", name="登记接入客户端").get_by_text("读取政务公开信息与订阅源").click()
    page.get_by_test_id("api-client-form-submit").click()

    secret_el = page.get_by_test_id("api-client-secret")
    expect(secret_el).to_have_text(re.compile(r"^zwc_[0-9a-f]{16}\."))
    secret = secret_el.inner_text()
    page.get_by_test_id("api-client-secret-close").click()
    expect(page.get_by_test_id("api-clients")).to_contain_text("市政府门户网站")

    # The partner uses its credentials; the usage page counts the call.
    client_id = secret.split(".", 1)[0]
    token = page.request.post(f"{live_server}/api/v1/auth/token", form={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).json()["access_token"]
    r = page.request.get(f"{live_server}/api/v1/disclosures", headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200 and "ratelimit" in r.headers

    page.get_by_test_id("api-clients").get_by_role("row", name=re.compile("市政府门户网站")).get_by_role(
        "button", name="用量").click()
    usage = page.get_by_test_id("api-client-usage")
    expect(usage.locator("canvas")).to_be_visible()
    expect(usage).to_contain_text("GET /api/v1/disclosures")

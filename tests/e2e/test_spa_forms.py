"""SPA plumbing seen from the browser: an upload made by a signed-in writer is theirs, and a refused
form marks the field the API named."""

import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, sign_in

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def auth(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_signed_in_writer_files_the_attachment_under_their_account(page: Page, tmp_path: Path,
                                                                   live_db: Path) -> None:
    photo = tmp_path / "路灯.png"
    photo.write_bytes(PNG)
    sign_in(page, "citizen", "/interaction")
    page.get_by_test_id("write-director").click()
    page.get_by_test_id("write-subject").fill("西门路灯不亮")
    page.get_by_test_id("write-body").fill("西门路灯已经坏了一周，附照片。")
    with page.expect_response(re.compile(r"/api/v1/complaints/attachments$")) as uploaded:
        page.get_by_test_id("write-file").set_input_files(str(photo))
    assert uploaded.value.status == 201, uploaded.value.text()
    attachment_id = uploaded.value.json()["id"]
    expect(page.get_by_test_id("write-files")).to_contain_text("路灯.png")
    page.get_by_test_id("write-submit").click()
    expect(page.get_by_test_id("complaint-receipt")).to_be_visible()
    tracking_no = page.get_by_test_id("receipt-tracking-no").inner_text()

    with sqlite3.connect(live_db) as db:
        row = db.execute(
            "SELECT u.username, c.tracking_no FROM complaint_attachments a "
            "JOIN complaints c ON c.id = a.complaint_id LEFT JOIN users u ON u.id = a.uploaded_by_id "
            "WHERE a.id = ?", (attachment_id,)).fetchone()
    assert row == ("citizen", tracking_no)  # before: (None, …), the upload went without the bearer token


def test_an_empty_reply_draft_is_marked_on_its_field(page: Page, live_server: str) -> None:
    citizen, leader = auth(live_server, "citizen"), auth(live_server, "leader")
    with httpx.Client(base_url=f"{live_server}/api/v1") as api:
        director = next(m for m in api.get("/mailboxes").json() if m["code"] == "director")
        r = api.post("/complaints", headers=citizen, json={
            "mailbox_id": director["id"], "subject": "食堂菜价", "body": "食堂菜价上涨，请公开价格。"})
        assert r.status_code == 201, r.text
        tracking_no = r.json()["tracking_no"]
        case = api.get("/complaints", params={"q": tracking_no}, headers=leader).json()["items"][0]
        assert api.post(f"/complaints/{case['id']}/accept", json={}, headers=leader).status_code == 200
        unit = next(u for u in api.get("/org-units").json() if u["name"] == "车辆管理中心")
        r = api.post(f"/complaints/{case['id']}/forward", headers=leader,
                     json={"unit_ids": [unit["id"]], "lead_unit_id": unit["id"]})
        assert r.status_code == 200, r.text

    sign_in(page, "handler", f"/workspace/complaints/{case['id']}")
    field = page.get_by_test_id("draft-body-item")
    expect(page.get_by_test_id("draft-body")).to_be_visible()
    expect(field).not_to_have_class(re.compile(r"\bis-error\b"))
    with page.expect_response(re.compile(r"/draft$")) as answered:
        page.get_by_test_id("action-draft").click()
    assert answered.value.status == 422
    expect(field).to_have_class(re.compile(r"\bis-error\b"))
    expect(field).to_contain_text("此项为必填项")
    expect(page.get_by_test_id("complaint-status")).to_have_text("已转办")

    page.get_by_test_id("draft-body").fill("您好，菜价已在食堂门口公示。")
    page.get_by_test_id("action-draft").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("待领导审核")


def test_staff_and_public_read_a_state_in_the_api_s_words(page: Page, live_server: str) -> None:
    """The staff queue takes its labels from GET /vocabulary: it said 待受理 where the API says 已提交."""
    words = httpx.get(f"{live_server}/api/v1/vocabulary").json()["workflows"]["complaint"]["states"]
    submitted = next(t["label"] for t in words if t["value"] == "submitted")
    leader = auth(live_server, "leader")
    waiting = httpx.get(f"{live_server}/api/v1/complaints", params={"status": "submitted"}, headers=leader)
    tracking_no = waiting.json()["items"][0]["tracking_no"]

    sign_in(page, "leader", "/workspace/complaints")
    row = page.get_by_test_id("complaints-table").get_by_role("row").filter(
        has=page.get_by_test_id(f"complaint-link-{tracking_no}"))
    expect(row).to_contain_text(submitted)
    expect(row).not_to_contain_text("待受理")

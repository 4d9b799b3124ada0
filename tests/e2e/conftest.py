"""Browser tests: the built SPA served by a real uvicorn process on a throwaway SQLite database,
driven by Debian's headless Chromium (never a downloaded browser)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# PORTAL_E2E_WEB_DIST points the suite at another build (e.g. a copy kept still while web/ is rebuilt).
WEB_DIST = Path(os.environ.get("PORTAL_E2E_WEB_DIST", ROOT / "web" / "dist"))
DIST_INDEX = WEB_DIST / "index.html"
SCREENS = ROOT / "var" / "e2e-screens"
CHROMIUM = os.environ.get("PORTAL_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "Demo@2026"


def sign_in(page, username: str, redirect: str | None = None,  # type: ignore[no-untyped-def]
            password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login page; with `redirect`, wait until the SPA has gone there (else until it left
    the login page)."""
    import re

    from playwright.sync_api import expect

    page.goto(f"/login?redirect={redirect}" if redirect else "/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    if redirect:
        expect(page).to_have_url(re.compile(r"^[^?]*" + re.escape(redirect) + "$"))
    else:
        expect(page).not_to_have_url(re.compile(r"/login"))


def eventually(check, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Poll `check` (a read of the API) until it holds, for work the server's own worker does on its schedule;
    then the page is reloaded once and asserted with Playwright's waiting expectations. Reloading the page in a
    loop instead checks a page whose data has not arrived yet, and passes only by luck of timing."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:g} s: {what}", pytrace=False)
        time.sleep(0.2)


def _missing(message: str) -> None:
    """Outside CI a missing prerequisite skips the browser tests; in CI it is a failure."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_cli(command: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", command], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"`python -m api.cli {command}` failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def live_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def live_db(live_tmp: Path) -> Path:
    """The live server's SQLite file, for a test to read what the browser's actions stored."""
    return live_tmp / "e2e.db"


@pytest.fixture(scope="session")
def live_wechat() -> Iterator[object]:
    """The local server speaking WeChat's API that the live server is configured with (a test plays the
    mini-program by adding wx.login() codes to its `sessions`)."""
    from tests.notifications.fakes import FakeWechat, ServerThread

    fake = FakeWechat()
    with ServerThread(fake.app()) as server:
        fake.url = server.url  # type: ignore[attr-defined]
        yield fake


@pytest.fixture(scope="session")
def live_server(live_tmp: Path, live_db: Path, live_wechat: object) -> Iterator[str]:
    """Base URL of a uvicorn process serving the API and web/dist, with the demo data loaded, WeChat pointed at
    the fake WeChat server."""
    if not DIST_INDEX.is_file():
        _missing("web/dist/index.html is missing: build the SPA first (make web, or cd web && npm ci && npm run build)")
    tmp = live_tmp
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": f"sqlite+aiosqlite:///{live_db}",
        "PORTAL_VAR_DIR": str(tmp),
        "PORTAL_ENV": "development",
        "PORTAL_WEB_DIST": str(WEB_DIST),
        "PORTAL_WECHAT_APPID": live_wechat.appid,  # type: ignore[attr-defined]
        "PORTAL_WECHAT_SECRET": live_wechat.secret,  # type: ignore[attr-defined]
        "PORTAL_WECHAT_API_BASE": live_wechat.url,  # type: ignore[attr-defined]
    }
    env.pop("PORTAL_REDIS_URL", None)
    _run_cli("migrate", env)
    _run_cli("demo", env)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {proc.returncode}:\n{log_path.read_text()}", pytrace=False)
            try:
                if httpx.get(f"{base}/api/v1/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server was not ready within 60 s:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        _missing(f"{CHROMIUM} not found: install Debian's chromium (make browser) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no stored tokens) on the live server; a screenshot is kept on failure."""
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SCREENS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SCREENS / f"{request.node.name}.png"), full_page=True)
    context.close()

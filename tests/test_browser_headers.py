"""Browser hardening headers on every response, HEAD wherever GET answers, Swagger UI from our own origin."""

import re

import pytest

from api.config import Settings
from api.main import create_app
from tests.factories import auth, create_user
from tests.test_errors import fresh_client

HARDENING = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy",
             "permissions-policy")


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head></html>',
        encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
    return tmp_path


@pytest.fixture
async def spa_client(dist):
    async with await fresh_client(create_app(Settings(web_dist=dist))) as c:
        yield c


class TestHeaders:
    @pytest.mark.parametrize("path", ["/", "/disclosures/catalogue", "/assets/app.js", "/api/v1/health",
                                      "/api/v1/auth/me", "/api/v1/no-such-thing", "/.well-known/jwks.json"])
    async def test_every_response_carries_them(self, spa_client, path):
        r = await spa_client.get(path)
        for name in HARDENING:
            assert name in r.headers, (path, name)
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"

    async def test_csp_allows_no_inline_script_and_no_framing(self, spa_client):
        csp = dict(d.strip().split(" ", 1) for d in (await spa_client.get("/")).headers[
            "content-security-policy"].split(";"))
        assert csp["script-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["object-src"] == "'none'"
        assert "unsafe-inline" not in csp["default-src"]

    async def test_no_hsts_in_development(self, spa_client):
        assert "strict-transport-security" not in (await spa_client.get("/api/v1/health")).headers

    async def test_hsts_in_production(self, dist):
        app = create_app(Settings(web_dist=dist, env="production"))
        async with await fresh_client(app) as c:  # no lifespan: the production checks do not run here
            r = await c.get("/api/v1/health")
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")

    async def test_built_spa_has_no_inline_script(self):
        from api.config import ROOT

        index = ROOT / "web" / "dist" / "index.html"
        if not index.is_file():
            pytest.skip("the SPA is not built (make web)")
        html = index.read_text(encoding="utf-8")
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert re.findall(r"\son\w+\s*=", html) == []  # no inline event handlers


class TestHead:
    @pytest.mark.parametrize("path", ["/api/v1/feeds/disclosures.atom", "/api/v1/feeds/disclosures.json",
                                      "/api/v1/disclosures", "/api/v1/columns", "/.well-known/jwks.json",
                                      "/api/v1/health"])
    async def test_head_answers_gets_headers_without_a_body(self, client, path):
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        for name in ("content-type", "content-length", "etag", "last-modified", "link"):
            assert head.headers.get(name) == got.headers.get(name), name

    async def test_head_on_a_staff_list_needs_the_token(self, client, session):
        citizen = await create_user(session)
        assert (await client.head("/api/v1/applications")).status_code == 401
        r = await client.head("/api/v1/applications", headers=auth(citizen))
        assert r.status_code == 200
        assert r.content == b""

    async def test_head_on_the_spa(self, spa_client):
        r = await spa_client.head("/disclosures/catalogue")
        assert r.status_code == 200
        assert r.content == b""
        assert r.headers["content-type"].startswith("text/html")

    async def test_head_where_get_is_not_allowed_is_405(self, client):
        assert (await client.head("/api/v1/auth/token")).status_code == 405


class TestDocs:
    async def test_page_loads_swagger_ui_from_our_origin_without_inline_script(self, client):
        r = await client.get("/api/v1/docs")
        assert r.status_code == 200
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
        assert scripts and all(body.strip() == "" for _, body in scripts)
        urls = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
        assert 'data-openapi-url="/api/v1/openapi.json"' in r.text

    async def test_start_script_is_served(self, client):
        r = await client.get("/api/v1/docs/start.js")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/javascript")
        assert "SwaggerUIBundle" in r.text

    async def test_swagger_ui_assets_are_in_the_built_spa(self):
        from api.config import ROOT

        dist = ROOT / "web" / "dist"
        if not (dist / "index.html").is_file():
            pytest.skip("the SPA is not built (make web)")
        assert (dist / "swagger-ui" / "swagger-ui-bundle.js").stat().st_size > 100_000
        assert (dist / "swagger-ui" / "swagger-ui.css").is_file()

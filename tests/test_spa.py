"""The SPA fallback: pre-compressed assets by Accept-Encoding, 404 for paths no client route knows."""

import gzip
import re
from pathlib import Path

import pytest

from api.config import Settings
from api.main import create_app
from api.spa import SPA_ROUTES
from tests.test_errors import fresh_client

ROUTER = Path(__file__).resolve().parents[1] / "web" / "src" / "router"
SCRIPT = "console.log('政务门户');\n" * 200


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><html><body>spa</body></html>", encoding="utf-8")
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "app.js").write_text(SCRIPT, encoding="utf-8")
    (assets / "app.js.gz").write_bytes(gzip.compress(SCRIPT.encode()))
    (assets / "app.js.br").write_bytes(b"brotli-bytes")  # served as they are: the server never decodes them
    return tmp_path


@pytest.fixture
async def client(dist):
    async with await fresh_client(create_app(Settings(web_dist=dist))) as c:
        yield c


class TestPrecompressed:
    async def test_brotli_preferred_when_accepted(self, client):
        r = await client.get("/assets/app.js", headers={"Accept-Encoding": "gzip, deflate, br"})
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "br"
        assert r.headers["content-type"].startswith("text/javascript")
        assert "accept-encoding" in r.headers["vary"].lower()
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"

    async def test_gzip_when_brotli_is_not_accepted(self, client):
        r = await client.get("/assets/app.js", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert r.text == SCRIPT  # httpx decodes gzip: the copy holds the same script

    async def test_identity_when_nothing_is_accepted(self, client):
        r = await client.get("/assets/app.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in r.headers
        assert r.text == SCRIPT

    async def test_refused_encoding_with_q0_is_not_used(self, client):
        r = await client.get("/assets/app.js", headers={"Accept-Encoding": "br;q=0, gzip"})
        assert r.headers["content-encoding"] == "gzip"


class TestNotFound:
    @pytest.mark.parametrize("path", ["/", "/disclosures", "/disclosures/12", "/services/ABC-01",
                                      "/interaction/surveys/3", "/login", "/site/sitemap", "/me",
                                      "/workspace/anything"])
    async def test_client_routes_answer_200(self, client, path):
        r = await client.get(path)
        assert r.status_code == 200
        assert "spa" in r.text

    @pytest.mark.parametrize("path", ["/no-such-page", "/disclosures/abc", "/interaction/nothing",
                                      "/services/a/b", "/index.php"])
    async def test_unknown_paths_answer_404_with_the_spa(self, client, path):
        r = await client.get(path)
        assert r.status_code == 404
        assert "spa" in r.text  # the SPA still draws its not-found page
        assert r.headers["cache-control"] == "no-cache"

    def test_every_declared_public_route_is_known(self):
        """Each route the portal layout declares (web/src/router/index.ts: the arrays spread into the "/" layout's
        children) matches SPA_ROUTES, so none answers 404. Workspace children are covered by /workspace(/.*)?."""
        index = (ROUTER / "index.ts").read_text(encoding="utf-8")
        portal = index[index.index("component: PortalLayout"):]
        names = re.findall(r"\.\.\.(\w+),", portal[:portal.index("pathMatch")])
        assert "portalRoutes" in names
        arrays = {}
        for file in ROUTER.glob("*.ts"):
            text = file.read_text(encoding="utf-8")
            for m in re.finditer(r"export const (\w+): RouteRecordRaw\[\] = \[", text):
                end = text.find("\n]", m.end())
                arrays[m.group(1)] = re.findall(r"path: '([^']*)'", text[m.end():end])
        pattern = re.compile("|".join(f"(?:{r})" for r in SPA_ROUTES))
        declared = [path for name in names for path in arrays[name]]
        assert len(declared) > 10
        for path in declared:
            sample = "/" + re.sub(r":\w+(\([^)]*\))?", "1", path.replace("\\\\", "\\"))
            assert pattern.fullmatch(sample.rstrip("/") or "/"), path

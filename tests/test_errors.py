"""Every error is RFC 9457 problem+json with a stable code; request ids are echoed; logs hold no secrets."""

import json

import httpx
import pytest

from api.auth.models import Role
from api.auth.service import PAIR_LIMIT
from api.config import Settings
from api.main import create_app
from tests.factories import PASSWORD, auth, create_org_unit, create_user

PROBLEM = "application/problem+json"


def assert_problem(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
async def staff(session):
    return await create_user(session, await create_org_unit(session))


@pytest.fixture
async def admin(session):
    return await create_user(session, await create_org_unit(session), roles=[Role.admin])


async def fresh_client(app, **kw) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40009), **kw)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class TestStatusCodes:
    async def test_401(self, client):
        assert_problem(await client.get("/api/v1/auth/me"), 401, "unauthorized")

    async def test_401_carries_www_authenticate(self, client):
        r = await client.get("/api/v1/auth/me")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")

    async def test_403(self, client, staff):
        assert_problem(await client.get("/api/v1/admin/users", headers=auth(staff)), 403, "forbidden")

    async def test_404_unknown_api_route(self, client):
        assert_problem(await client.get("/api/v1/no-such-thing"), 404, "not_found")

    async def test_404_unknown_id(self, client, admin):
        assert_problem(await client.get("/api/v1/admin/users/987654", headers=auth(admin)), 404, "not_found")

    async def test_405_wrong_method_on_an_api_route(self, client):
        assert_problem(await client.delete("/api/v1/auth/me"), 405, "method_not_allowed")

    async def test_405_post_to_a_get_route(self, client):
        assert_problem(await client.post("/api/v1/health", json={}), 405, "method_not_allowed")

    async def test_409(self, client, admin):
        unit = {"code": "DUP409", "name": "重复代码", "kind": "department", "parent_id": admin.org_unit_id}
        first = await client.post("/api/v1/admin/org-units", json=unit, headers=auth(admin))
        assert first.status_code == 201, first.text
        r = await client.post("/api/v1/admin/org-units", json=unit, headers=auth(admin))
        assert_problem(r, 409, "conflict")

    async def test_415_text_plain_body(self, client):
        r = await client.post("/api/v1/auth/register", content=b"hello", headers={"Content-Type": "text/plain"})
        assert_problem(r, 415, "unsupported_media_type")

    async def test_422_names_each_invalid_field(self, client):
        r = await client.post("/api/v1/auth/register", json={"username": "a", "phone": "12", "display_name": ""})
        body = assert_problem(r, 422, "validation_failed")
        assert {e["field"] for e in body["errors"]} == {"username", "password", "phone", "display_name"}
        assert all(e["in"] == "body" and e["message"] for e in body["errors"])

    async def test_422_malformed_json(self, client):
        r = await client.post("/api/v1/auth/register", content=b"{not json",
                              headers={"Content-Type": "application/json"})
        assert_problem(r, 422, "validation_failed")

    async def test_429(self, client, staff):
        for _ in range(PAIR_LIMIT):
            await client.post("/api/v1/auth/token", data={"username": staff.username, "password": "Wrong-pass1"})
        r = await client.post("/api/v1/auth/token", data={"username": staff.username, "password": PASSWORD})
        body = assert_problem(r, 429, "rate_limited")
        assert body["retry_after"] == int(r.headers["Retry-After"])


class TestBodyLimits:
    @pytest.fixture
    async def small_client(self, monkeypatch):
        monkeypatch.setenv("PORTAL_MAX_JSON_BODY_BYTES", "1000")
        async with await fresh_client(create_app(Settings())) as c:
            yield c

    async def test_413_declared_content_length(self, small_client):
        r = await small_client.post("/api/v1/auth/register", content=b"x" * 1001,
                                    headers={"Content-Type": "application/json"})
        assert_problem(r, 413, "payload_too_large")

    async def test_413_chunked_body(self, small_client):
        async def chunks():
            for _ in range(20):
                yield b'{"a":"' + b"x" * 100 + b'"},'

        r = await small_client.post("/api/v1/auth/register", content=chunks(),
                                    headers={"Content-Type": "application/json"})
        assert "content-length" not in r.request.headers
        assert_problem(r, 413, "payload_too_large")

    async def test_body_under_the_limit_passes_the_middleware(self, small_client):
        r = await small_client.post("/api/v1/auth/register", json={"username": "a"})
        assert r.status_code == 422


class TestUnexpectedError:
    @pytest.fixture
    async def boom_client(self):
        app = create_app()

        async def explode() -> None:
            raise RuntimeError("secret internals: /etc/passwd")

        app.add_api_route("/api/v1/test-boom", explode)
        async with await fresh_client(app, raise_app_exceptions=False) as c:
            yield c

    async def test_500_is_problem_json_without_a_traceback(self, boom_client):
        r = await boom_client.get("/api/v1/test-boom")
        assert_problem(r, 500, "internal_error")
        assert "Traceback" not in r.text
        assert "secret internals" not in r.text
        assert "RuntimeError" not in r.text

    async def test_500_carries_the_request_id(self, boom_client):
        r = await boom_client.get("/api/v1/test-boom", headers={"X-Request-ID": "boom-request-0001"})
        assert r.status_code == 500
        assert r.headers["X-Request-ID"] == "boom-request-0001"
        assert r.json()["request_id"] == "boom-request-0001"


class TestUniqueConstraintRace:
    @pytest.fixture
    async def race_client(self):
        from sqlalchemy.exc import IntegrityError

        app = create_app()

        async def lose_the_race() -> None:
            raise IntegrityError("INSERT INTO users ...", {}, Exception("UNIQUE constraint failed: users.username"))

        app.add_api_route("/api/v1/test-race", lose_the_race, methods=["POST"])
        async with await fresh_client(app, raise_app_exceptions=False) as c:
            yield c

    async def test_integrity_error_is_409_not_500(self, race_client):
        r = await race_client.post("/api/v1/test-race")
        assert_problem(r, 409, "conflict")
        assert "UNIQUE" not in r.text


class TestRequestId:
    async def test_well_formed_id_is_echoed(self, client):
        r = await client.get("/api/v1/health", headers={"X-Request-ID": "abc-123.DEF_456"})
        assert r.headers["X-Request-ID"] == "abc-123.DEF_456"

    @pytest.mark.parametrize("given", ["short", "has space in it", "x" * 65, "evil\"<script>", "换行标识符号一二三"])
    async def test_malformed_id_is_replaced(self, client, given):
        r = await client.get("/api/v1/health", headers={"X-Request-ID": given.encode()})
        rid = r.headers["X-Request-ID"]
        assert rid != given
        assert len(rid) == 32
        int(rid, 16)

    async def test_missing_id_is_generated(self, client):
        r = await client.get("/api/v1/health")
        assert len(r.headers["X-Request-ID"]) == 32

    async def test_problem_body_carries_the_request_id(self, client):
        r = await client.get("/api/v1/auth/me", headers={"X-Request-ID": "trace-me-0001"})
        assert r.json()["request_id"] == "trace-me-0001"


class TestLogs:
    async def test_logs_hold_neither_password_nor_token(self, client, staff, capfd):
        capfd.readouterr()
        r = await client.post("/api/v1/auth/token", data={"username": staff.username, "password": PASSWORD},
                              headers={"X-Request-ID": "login-log-0001"})
        pair = r.json()
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        await client.post("/api/v1/auth/token", data={"username": staff.username, "password": "Wrong-Secret9"})
        out, err = capfd.readouterr()
        logged = out + err
        assert "login-log-0001" in logged  # the capture did see the access log
        for secret in (PASSWORD, "Wrong-Secret9", pair["access_token"], pair["refresh_token"]):
            assert secret not in logged
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert any(line.get("path") == "/api/v1/auth/token" for line in lines)


class TestSpaFallback:
    async def test_unknown_api_path_is_never_index_html(self, tmp_path):
        (tmp_path / "index.html").write_text("<!doctype html><title>政务门户</title>", encoding="utf-8")
        async with await fresh_client(create_app(Settings(web_dist=tmp_path))) as c:
            r = await c.get("/api/v1/no-such-page")
            assert_problem(r, 404, "not_found")
            assert_problem(await c.get("/.well-known/nothing"), 404, "not_found")

    async def test_client_route_gets_index_html(self, tmp_path):
        (tmp_path / "index.html").write_text("<!doctype html><title>政务门户</title>", encoding="utf-8")
        async with await fresh_client(create_app(Settings(web_dist=tmp_path))) as c:
            r = await c.get("/disclosures/catalogue")
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/html")
            assert "政务门户" in r.text

    async def test_real_asset_is_served_as_is(self, tmp_path):
        (tmp_path / "index.html").write_text("<html></html>", encoding="utf-8")
        (tmp_path / "assets").mkdir()
        (tmp_path / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
        async with await fresh_client(create_app(Settings(web_dist=tmp_path))) as c:
            r = await c.get("/assets/app.js")
            assert r.text == "console.log(1)"
            assert "immutable" in r.headers["cache-control"]

    async def test_path_traversal_gets_index_not_the_file(self, tmp_path):
        dist = tmp_path / "dist"
        dist.mkdir()
        (dist / "index.html").write_text("<html>index</html>", encoding="utf-8")
        (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
        async with await fresh_client(create_app(Settings(web_dist=dist))) as c:
            r = await c.get("/%2e%2e/secret.txt")
            assert "top secret" not in r.text

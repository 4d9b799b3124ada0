"""One validation layer (api/validation.py): ids in the int4 range, no NUL in any text, JSON at most 32 deep.
Each input here answered 500 on SQLite or PostgreSQL before."""

import json

import pytest

from api.auth.models import Role
from api.config import Settings
from api.main import create_app
from api.validation import INT4_MAX, MAX_JSON_DEPTH
from tests.factories import auth, create_org_unit, create_user
from tests.test_errors import assert_problem, fresh_client

BEYOND_INT4 = INT4_MAX + 1
BEYOND_INT8 = 2**63


@pytest.fixture
async def admin(session):
    return await create_user(session, await create_org_unit(session), roles=[Role.admin])


@pytest.fixture
async def editor(session):
    return await create_user(session, await create_org_unit(session), roles=[Role.editor])


class TestIds:
    @pytest.mark.parametrize("value", [BEYOND_INT4, BEYOND_INT8, 0, -1])
    async def test_path_id_out_of_range_is_422(self, client, value):
        body = assert_problem(await client.get(f"/api/v1/disclosures/{value}"), 422, "validation_failed")
        assert body["errors"][0]["in"] == "path"

    async def test_largest_int4_id_is_a_plain_404(self, client):
        assert (await client.get(f"/api/v1/disclosures/{INT4_MAX}")).status_code == 404

    @pytest.mark.parametrize("value", [BEYOND_INT4, BEYOND_INT8])
    async def test_query_id_out_of_range_is_422(self, client, value):
        r = await client.get("/api/v1/disclosures", params={"column_id": value})
        body = assert_problem(r, 422, "validation_failed")
        assert body["errors"][0]["field"] == "column_id"

    async def test_body_id_out_of_range_is_422(self, client, editor):
        r = await client.post("/api/v1/disclosures", headers=auth(editor),
                              json={"column_id": BEYOND_INT8, "title": "标题", "body_html": "<p>正文</p>"})
        body = assert_problem(r, 422, "validation_failed")
        assert "column_id" in {e["field"] for e in body["errors"]}

    async def test_body_id_of_another_schema_is_422(self, client, session):
        security = await create_user(session, await create_org_unit(session), roles=[Role.security_admin])
        r = await client.post("/api/v1/admin/role-grants", headers=auth(security),
                              json={"user_id": BEYOND_INT4, "role": "editor", "org_unit_id": 1})
        body = assert_problem(r, 422, "validation_failed")
        assert "user_id" in {e["field"] for e in body["errors"]}

    async def test_staff_path_id_out_of_range_is_422(self, client, admin):
        r = await client.get(f"/api/v1/admin/users/{BEYOND_INT8}", headers=auth(admin))
        assert_problem(r, 422, "validation_failed")

    async def test_version_number_out_of_range_is_422(self, client):
        r = await client.get(f"/api/v1/services/JCKBL/versions/{BEYOND_INT4}")
        assert_problem(r, 422, "validation_failed")

    async def test_sort_order_out_of_range_is_422(self, client, admin):
        r = await client.post("/api/v1/admin/org-units", headers=auth(admin),
                              json={"code": "X1", "name": "处室", "kind": "department", "sort_order": BEYOND_INT4})
        body = assert_problem(r, 422, "validation_failed")
        assert "sort_order" in {e["field"] for e in body["errors"]}

    async def test_contract_states_the_range(self):
        spec = create_app().openapi()
        param = next(p for p in spec["paths"]["/api/v1/disclosures/{disclosure_id}"]["get"]["parameters"]
                     if p["name"] == "disclosure_id")
        assert param["schema"]["minimum"] == 1
        assert param["schema"]["maximum"] == INT4_MAX


class TestDatabaseRefusesAValue:
    @pytest.fixture
    async def overflow_client(self):
        from sqlalchemy.exc import DataError

        app = create_app()

        async def overflow() -> None:
            raise DataError("SELECT ...", {}, Exception("value out of int32 range"))

        app.add_api_route("/api/v1/test-overflow", overflow)
        async with await fresh_client(app, raise_app_exceptions=False) as c:
            yield c

    async def test_a_value_the_column_cannot_hold_is_422_not_500(self, overflow_client):
        r = await overflow_client.get("/api/v1/test-overflow")
        assert_problem(r, 422, "invalid_value")
        assert "int32" not in r.text


class TestNul:
    async def test_form_field(self, client):
        r = await client.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "x"})
        body = assert_problem(r, 422, "invalid_character")
        assert body["errors"][0]["in"] == "form"

    async def test_path_parameter(self, client):
        body = assert_problem(await client.get("/api/v1/services/a%00b"), 422, "invalid_character")
        assert body["errors"][0]["in"] == "path"

    async def test_query_parameter(self, client):
        r = await client.get("/api/v1/disclosures", params={"q": "工作\x00"})
        body = assert_problem(r, 422, "invalid_character")
        assert body["errors"][0]["in"] == "query"

    async def test_json_body(self, client):
        r = await client.post("/api/v1/auth/register", json={"username": "citizen\x00x", "password": "Aa1!aaaaaa",
                                                             "display_name": "张三"})
        body = assert_problem(r, 422, "invalid_character")
        assert body["errors"][0]["in"] == "body"

    async def test_escaped_backslash_before_u0000_is_plain_text(self, client):
        # The JSON text "\\u0000" is a backslash followed by "u0000", not a NUL: validation decides the rest.
        r = await client.post("/api/v1/auth/register", content=b'{"username": "a\\\\u0000"}',
                              headers={"Content-Type": "application/json"})
        assert_problem(r, 422, "validation_failed")

    async def test_spa_path_with_nul_is_404(self, tmp_path):
        (tmp_path / "index.html").write_text("<html></html>", encoding="utf-8")
        async with await fresh_client(create_app(Settings(web_dist=tmp_path))) as c:
            assert_problem(await c.get("/%00"), 404, "not_found")

    async def test_spa_path_too_long_for_the_file_system_gets_index(self, tmp_path):
        # Not a file (the name is too long to look up) and not an SPA route: 404 with the SPA's page.
        (tmp_path / "index.html").write_text("<html>index</html>", encoding="utf-8")
        async with await fresh_client(create_app(Settings(web_dist=tmp_path))) as c:
            r = await c.get("/" + "a" * 300)
            assert r.status_code == 404
            assert r.text == "<html>index</html>"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class TestJsonDepth:
    async def test_application_data_900_deep_is_422(self, client, session):
        citizen = await create_user(session)
        payload = '{"service_code": "X", "data": {"a": ' + nested(900) + "}}"
        r = await client.post("/api/v1/applications", content=payload.encode(),
                              headers={**auth(citizen), "Content-Type": "application/json"})
        assert_problem(r, 422, "json_too_deep")

    async def test_limit_is_checked_on_any_body(self, client):
        payload = json.dumps({"username": "a", "x": json.loads(nested(MAX_JSON_DEPTH))})
        assert_problem(await client.post("/api/v1/auth/register", content=payload.encode(),
                                         headers={"Content-Type": "application/json"}), 422, "json_too_deep")

    async def test_brackets_inside_strings_do_not_count(self, client):
        payload = json.dumps({"username": "[" * 100 + "{" * 100})
        assert_problem(await client.post("/api/v1/auth/register", content=payload.encode(),
                                         headers={"Content-Type": "application/json"}), 422, "validation_failed")

    async def test_depth_at_the_limit_passes_the_guard(self, client):
        payload = json.dumps({"username": "a", "x": json.loads(nested(MAX_JSON_DEPTH - 1))})
        assert_problem(await client.post("/api/v1/auth/register", content=payload.encode(),
                                         headers={"Content-Type": "application/json"}), 422, "validation_failed")


class TestIndexScheme:
    @pytest.mark.parametrize("pattern", ["{org_code}/{seq:0>999999999999}", "{seq:{seq}}",
                                         "{org_code}{year}{seq:060d}"])
    async def test_width_beyond_an_index_no_is_422(self, client, session, admin, pattern):
        unit = await create_org_unit(session)
        r = await client.put(f"/api/v1/disclosure-index-schemes/{unit.id}", headers=auth(admin),
                             json={"org_code": "BG", "pattern": pattern})
        assert_problem(r, 422, "index_scheme_invalid")


def _integer_schemas(schema: dict, spec: dict, seen: set[str], where: str):
    """Every integer schema reachable from `schema`, with where it was found."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        yield from _integer_schemas(spec["components"]["schemas"][name], spec, seen, name)
        return
    if schema.get("type") == "integer":
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _integer_schemas(sub, spec, seen, where)
    for name, sub in schema.get("properties", {}).items():
        yield from _integer_schemas(sub, spec, seen, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _integer_schemas(schema["items"], spec, seen, f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _integer_schemas(schema["additionalProperties"], spec, seen, f"{where}{{}}")


def test_every_integer_a_client_sends_is_bounded():
    """A new parameter or body field cannot forget the range: an unbounded integer reaches the driver (500)."""
    spec = create_app().openapi()
    unbounded = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for param in op.get("parameters", []):
                for where, s in _integer_schemas(param["schema"], spec, set(), f"{method} {path} {param['name']}"):
                    if s.get("maximum", INT4_MAX + 1) > INT4_MAX or "minimum" not in s:
                        unbounded.append(where)
            for media in op.get("requestBody", {}).get("content", {}).values():
                for where, s in _integer_schemas(media.get("schema", {}), spec, set(), f"{method} {path} body"):
                    if s.get("maximum", INT4_MAX + 1) > INT4_MAX or "minimum" not in s:
                        unbounded.append(where)
    assert sorted(set(unbounded)) == []

"""A mini-program's wx.request has no PATCH: every operation a citizen's or a mini-program's token may call that
changes state must have a POST, PUT or DELETE form. Read from the contract (openapi/v1.json), where every
operation says who may call it (x-callers, from its dependencies: api.auth.dependencies.callers)."""

import json
from pathlib import Path
from typing import Any

OPENAPI = Path(__file__).resolve().parents[1] / "openapi" / "v1.json"
CITIZEN_CALLERS = {"anyone", "user"}  # no role, no staff account needed: a citizen's or mini-program's token
OPEN311 = "/open311/"  # GeoReport v2 is its own protocol (GET and POST only), authenticated by its api_key


def spec() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text())


def citizen_may_call(op: dict[str, Any]) -> bool:
    return bool(CITIZEN_CALLERS & set(op.get("x-callers", ["anyone"])))


def patch_only_routes(contract: dict[str, Any]) -> list[str]:
    """The PATCH operations a citizen may call that have no POST or PUT a citizen may call on the same path (or a
    POST on the path + "/update"): each named "PATCH <path> (<operationId>)"."""
    out = []
    for path, item in contract["paths"].items():
        op = item.get("patch")
        if op is None or not citizen_may_call(op):
            continue
        forms = [item[m] for m in ("post", "put") if m in item]
        forms += [contract["paths"][f"{path}/update"]["post"]] if "post" in contract["paths"].get(
            f"{path}/update", {}) else []
        if not any(citizen_may_call(f) for f in forms):
            out.append(f"PATCH {path} ({op.get('operationId')})")
    return out


def test_every_citizen_write_works_without_patch() -> None:
    missing = patch_only_routes(spec())
    assert not missing, "a citizen/mini-program write only as PATCH (add a POST or PUT form): " + ", ".join(missing)


def test_every_operation_says_who_may_call_it() -> None:
    unsaid = [f"{m.upper()} {p}" for p, item in spec()["paths"].items() if not p.startswith(OPEN311)
              for m, op in item.items() if not op.get("x-callers")]
    assert not unsaid, f"no x-callers: {unsaid}"


def test_who_may_call_is_read_from_the_dependencies() -> None:
    paths = spec()["paths"]
    assert paths["/api/v1/applications"]["post"]["x-callers"] == ["user"]
    assert paths["/api/v1/notifications/preferences"]["put"]["x-callers"] == ["user"]
    assert paths["/api/v1/wechat/binding-codes/confirm"]["post"]["x-callers"] == ["user"]
    assert paths["/api/v1/auth/wechat"]["post"]["x-callers"] == ["anyone"]
    assert paths["/api/v1/admin/users/{user_id}"]["patch"]["x-callers"] == ["admin", "security_admin"]
    assert paths["/api/v1/disclosure-versions/{version_id}"]["patch"]["x-callers"] == ["staff"]


def test_the_check_names_a_patch_only_citizen_route() -> None:
    def op(op_id: str, callers: list[str]) -> dict[str, Any]:
        return {"operationId": op_id, "x-callers": callers}

    contract = {"paths": {
        "/api/v1/me/profile": {"get": op("get_profile", ["user"]), "patch": op("update_profile", ["user"])},
        "/api/v1/me/address": {"patch": op("update_address", ["user"]), "put": op("put_address", ["user"])},
        "/api/v1/me/phone": {"patch": op("update_phone", ["user"])},
        "/api/v1/me/phone/update": {"post": op("post_phone", ["user"])},
        "/api/v1/admin/things/{id}": {"patch": op("update_thing", ["admin"])},
        "/api/v1/staff/only/{id}": {"patch": op("update_only", ["user"]), "post": op("post_only", ["staff"])},
    }}
    assert patch_only_routes(contract) == ["PATCH /api/v1/me/profile (update_profile)",
                                           "PATCH /api/v1/staff/only/{id} (update_only)"]

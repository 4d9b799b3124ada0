"""The contract documents the errors each operation can answer, derived once (api/main.py), all as problem+json."""

import pytest

from api.files.types import KINDS
from api.main import create_app

METHODS = {"get", "put", "post", "delete", "patch"}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemModel"}}}


def operations():
    spec = create_app().openapi()
    # GeoReport v2 (/open311/) answers the spec's own error arrays in XML or JSON, not problem+json.
    return [(path, method, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in METHODS and not path.startswith("/open311/")]


OPERATIONS = operations()


# Logout reads the bearer token to revoke it, but works with an expired token or none: it never answers 401.
NEVER_401 = {("/api/v1/auth/logout", "post")}


def test_every_secured_operation_documents_401():
    secured = [(p, m, op) for p, m, op in OPERATIONS if op.get("security") and (p, m) not in NEVER_401]
    assert len(secured) > 50
    assert [(p, m) for p, m, op in secured if "401" not in op["responses"]] == []


def test_staff_and_role_operations_document_403():
    ops = {(p, m): op for p, m, op in OPERATIONS}
    for key in [("/api/v1/disclosure-versions", "get"), ("/api/v1/admin/users", "get"),
                ("/api/v1/audit", "get"), ("/api/v1/applications/queue", "get")]:
        assert "403" in ops[key]["responses"], key


def test_public_operation_without_a_token_dependency_documents_neither_401_nor_403():
    ops = {(p, m): op for p, m, op in OPERATIONS}
    assert "401" not in ops[("/api/v1/health", "get")]["responses"]
    # (/columns answers 401/403/429 to a registered API client's token: api/partners documents them.)
    assert "403" not in ops[("/api/v1/vocabulary", "get")]["responses"]


def test_every_operation_with_a_path_parameter_documents_404():
    assert [(p, m) for p, m, op in OPERATIONS if "{" in p and "404" not in op["responses"]] == []


def test_every_write_documents_the_body_limits():
    writes = [(p, m, op) for p, m, op in OPERATIONS if m in ("post", "put", "patch")]
    assert [(p, m) for p, m, op in writes if not {"413", "415"} <= set(op["responses"])] == []


def test_every_operation_with_a_body_documents_400():
    assert [(p, m) for p, m, op in OPERATIONS if "requestBody" in op and "400" not in op["responses"]] == []


def test_every_write_documents_409():
    writes = [(p, m, op) for p, m, op in OPERATIONS if m in ("post", "put", "patch", "delete")]
    assert [(p, m) for p, m, op in writes if "409" not in op["responses"]] == []


def test_every_operation_documents_422():
    assert [(p, m) for p, m, op in OPERATIONS if "422" not in op["responses"]] == []


@pytest.mark.parametrize("status", ["400", "401", "403", "404", "409", "413", "415", "422", "429"])
def test_every_error_is_problem_json(status):
    wrong = [(p, m) for p, m, op in OPERATIONS if status in op["responses"]
             and op["responses"][status].get("content") != PROBLEM]
    assert wrong == []


def test_downloads_document_the_attachment_media_types():
    downloads = [(p, op) for p, m, op in OPERATIONS if m == "get" and p.endswith("{attachment_id}")]
    assert len(downloads) >= 6
    for path, op in downloads:
        assert set(op["responses"]["200"]["content"]) == {k.content_type for k in KINDS}, path

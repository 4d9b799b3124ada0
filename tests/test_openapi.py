"""The committed contract openapi/v1.json is exactly what the code generates."""

import json
from collections import Counter

from api.config import ROOT
from api.main import create_app

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def generated() -> str:
    """Serialized exactly as api/cli.py write_openapi does."""
    return json.dumps(create_app().openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class TestContract:
    def test_committed_contract_matches_the_code(self):
        committed = (ROOT / "openapi" / "v1.json").read_text(encoding="utf-8")
        assert generated() == committed, "openapi/v1.json is stale: run make openapi"

    def test_operation_ids_are_unique(self):
        spec = create_app().openapi()
        ids = Counter(op["operationId"] for path in spec["paths"].values()
                      for method, op in path.items() if method in METHODS)
        assert [i for i, n in ids.items() if n > 1] == []

    def test_every_route_declares_problem_json_errors_when_it_has_any(self):
        spec = create_app().openapi()
        for url, path in spec["paths"].items():
            for method, op in path.items():
                if method not in METHODS or url.startswith("/open311/"):  # GeoReport v2's own error arrays
                    continue
                for status, resp in op["responses"].items():
                    if status.startswith(("4", "5")) and status != "422":
                        assert "ProblemModel" in json.dumps(resp), (op["operationId"], status)

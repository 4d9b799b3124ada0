"""A GeoReport v2 conformance suite that runs against any base URL: the JSON Schemas in schemas.py, XML/JSON
parity (the XML read back into the spec's JSON mapping must equal the JSON), a timezone on every date, the
90-day window, `service_request_id` overriding the other filters, the token flow, and the error codes
(403 bad key, 404 unknown, 400 otherwise). The write checks (POST) run only when an api_key is given: they file
one real request on the server under test."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import httpx
from jsonschema import Draft202012Validator

from tests.contract import schemas
from tests.contract.report import Report

LISTS = {"services", "service_requests", "attributes", "values", "endpoints", "formats", "errors"}
DATE_FIELDS = {"requested_datetime", "updated_datetime", "expected_datetime", "changeset"}


def schema_errors(schema: dict[str, Any], doc: Any) -> str:
    errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    return "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:3])


def xml_to_json(el: ET.Element) -> Any:
    """The spec's mechanical XML → JSON mapping: list containers become arrays, the rest objects/strings."""
    children = list(el)
    if el.tag in LISTS:
        return [xml_to_json(c) for c in children]
    if not children:
        return el.text or ""
    return {c.tag: xml_to_json(c) for c in children}


def normal(value: Any) -> Any:
    """Scalars as the XML spells them; empty and missing members alike."""
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if v not in (None, "")}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def dates_with_zone(doc: Any, found: list[str] | None = None) -> list[str]:
    """Every date field's value that lacks a timezone."""
    found = [] if found is None else found
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in DATE_FIELDS and isinstance(v, str) and v and not re.match(schemas.W3C_DATETIME_WITH_ZONE, v):
                found.append(f"{k}={v}")
            dates_with_zone(v, found)
    elif isinstance(doc, list):
        for v in doc:
            dates_with_zone(v, found)
    return found


class Suite:
    def __init__(self, http: httpx.AsyncClient, prefix: str = "/open311/v2", api_key: str | None = None,
                 service_code: str | None = None, attributes: dict[str, str] | None = None) -> None:
        self.http, self.prefix = http, prefix.rstrip("/")
        self.api_key, self.service_code, self.attributes = api_key, service_code, attributes or {}
        self.report = Report("GeoReport v2")

    async def get(self, path: str, fmt: str, **params: str) -> httpx.Response:
        return await self.http.get(f"{self.prefix}/{path}.{fmt}", params=params)

    async def both(self, name: str, path: str, schema: dict[str, Any] | None, root: str,
                   status: int = 200, **params: str) -> Any:
        """GET path in JSON and XML: status, content type, schema, dates, parity. Returns the JSON."""
        r_json, r_xml = await self.get(path, "json", **params), await self.get(path, "xml", **params)
        rep = self.report
        rep.check(f"{name}: JSON answers {status}", r_json.status_code == status, f"got {r_json.status_code}")
        rep.check(f"{name}: XML answers {status}", r_xml.status_code == status, f"got {r_xml.status_code}")
        rep.check(f"{name}: JSON content type", r_json.headers.get("content-type", "").startswith(
            "application/json"), r_json.headers.get("content-type", ""))
        rep.check(f"{name}: XML content type", r_xml.headers.get("content-type", "").startswith(
            ("text/xml", "application/xml")), r_xml.headers.get("content-type", ""))
        try:
            doc = r_json.json()
        except ValueError:
            rep.check(f"{name}: JSON parses", False, r_json.text[:120])
            return None
        try:
            # The server under test is the operator's choice; expat resolves no external entities (Python ≥3.7.1).
            xml = ET.fromstring(r_xml.content)  # noqa: S314
        except ET.ParseError as exc:
            rep.check(f"{name}: XML parses", False, str(exc))
            return doc
        if schema is not None:
            problems = schema_errors(schema, doc)
            rep.check(f"{name}: JSON matches the schema", not problems, problems)
        rep.check(f"{name}: XML root is <{root}>", xml.tag == root, f"<{xml.tag}>")
        rep.check(f"{name}: XML and JSON say the same", normal(xml_to_json(xml)) == normal(doc),
                  "the XML read back differs from the JSON")
        missing = dates_with_zone(doc)
        rep.check(f"{name}: every date has a timezone", not missing, ", ".join(missing[:3]))
        return doc

    async def run(self) -> Report:
        await self.both("discovery", "discovery", schemas.DISCOVERY, "discovery")
        services = await self.both("services", "services", schemas.SERVICES, "services") or []
        with_definition = [s for s in services if isinstance(s, dict) and s.get("metadata") is True]
        for s in with_definition[:5]:
            await self.both(f"service definition {s['service_code']}", f"services/{s['service_code']}",
                            schemas.SERVICE_DEFINITION, "service_definition")
        await self.both("unknown service_code", "services/__no_such_service__", schemas.ERRORS, "errors", 404)
        found = await self.both("requests (default window)", "requests", schemas.REQUESTS, "service_requests")
        now = datetime.now(UTC)
        await self.both("a window wider than 90 days", "requests", schemas.ERRORS, "errors", 400,
                        start_date=(now - timedelta(days=120)).isoformat(), end_date=now.isoformat())
        await self.both("a window of 90 days", "requests", schemas.REQUESTS, "service_requests",
                        start_date=(now - timedelta(days=90)).isoformat(), end_date=now.isoformat())
        await self.both("unknown service_request_id", "requests/__no_such_request__", schemas.ERRORS, "errors", 404)
        if found:
            srid = found[0]["service_request_id"]
            await self.both(f"request {srid}", f"requests/{srid}", schemas.REQUESTS, "service_requests")
        if self.api_key and self.service_code:
            await self.writes()
        return self.report

    async def definition_values(self) -> dict[str, str | list[str]]:
        r = await self.get(f"services/{self.service_code}", "json")
        out: dict[str, str | list[str]] = {}
        for a in (r.json().get("attributes", []) if r.status_code == 200 else []):
            if not a.get("required") or a["code"] in self.attributes:
                continue
            first = (a.get("values") or [{"key": "1"}])[0]["key"]
            sample = {"number": "1", "datetime": datetime.now(UTC).isoformat(), "singlevaluelist": first,
                      "multivaluelist": [first]}.get(a["datatype"], "contract test")
            out[a["code"]] = sample
        return {**out, **self.attributes}

    async def post(self, fmt: str, api_key: str) -> httpx.Response:
        form: list[tuple[str, str]] = [("api_key", api_key), ("service_code", self.service_code or ""),
                                       ("lat", "30.2741"), ("long", "120.1551"),
                                       ("description", "contract suite test request")]
        for code, value in (await self.definition_values()).items():
            if isinstance(value, list):
                form += [(f"attribute[{code}][]", v) for v in value]
            else:
                form.append((f"attribute[{code}]", value))
        return await self.http.post(f"{self.prefix}/requests.{fmt}", data=dict(form) if all(
            not k.endswith("[]") for k, _ in form) else form)  # type: ignore[arg-type]

    async def writes(self) -> None:
        rep = self.report
        for fmt in ("json", "xml"):
            r = await self.post(fmt, "contract-suite-invalid-key")
            rep.check(f"POST with a bad api_key ({fmt}): 403", r.status_code == 403, f"got {r.status_code}")
        r = await self.post("json", self.api_key or "")
        if not rep.check("POST requests.json: 200 or 201", r.status_code in (200, 201),
                         f"{r.status_code} {r.text[:200]}"):
            return
        body = r.json()
        problems = schema_errors(schemas.POST_RESPONSE, body)
        rep.check("POST answer: a token or a service_request_id, never both", not problems, problems)
        srid = body[0].get("service_request_id")
        token = body[0].get("token")
        if token:
            doc = await self.both("token flow: tokens/{token}", f"tokens/{token}", schemas.TOKEN, "service_requests")
            srid = (doc or [{}])[0].get("service_request_id")
            rep.check("token flow: the token names a service_request_id", bool(srid), str(doc))
        if not srid:
            return
        await self.both("filed request", f"requests/{srid}", schemas.REQUESTS, "service_requests")
        r = await self.get("requests", "json", service_request_id=srid, service_code="__other__",
                           status="open,closed",
                           start_date="2000-01-01T00:00:00Z", end_date="2000-01-02T00:00:00Z")
        ids = [x.get("service_request_id") for x in r.json()] if r.status_code == 200 else []
        rep.check("service_request_id overrides every other filter", srid in ids, f"{r.status_code} {ids}")


async def run(http: httpx.AsyncClient, **kw: Any) -> Report:
    return await Suite(http, **kw).run()

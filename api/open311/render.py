"""GeoReport v2's two formats. XML is built with ElementTree from the same plain structure that is the JSON
(the spec's JSON is a mechanical mapping of its XML): a list becomes repeated elements named by ITEM_NAMES."""

import json
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from fastapi import Response

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
LOCAL = ZoneInfo("Asia/Shanghai")
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
              "endpoints": "endpoint", "formats": "format", "errors": "error"}


def when(dt: datetime | None) -> str | None:
    """W3C date-time with the timezone the spec requires (local time, +08:00)."""
    return dt.astimezone(LOCAL).isoformat(timespec="seconds") if dt is not None else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(el: ET.Element, value: Any, name: str) -> None:
    if isinstance(value, dict):
        for key, v in value.items():
            _fill(ET.SubElement(el, key), v, key)
    elif isinstance(value, list):
        for v in value:
            _fill(ET.SubElement(el, ITEM_NAMES.get(name, "item")), v, ITEM_NAMES.get(name, "item"))
    else:
        el.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    el = ET.Element(root)
    _fill(el, value, root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="utf-8", xml_declaration=False)


def respond(fmt: str, root: str, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        body = to_xml(root, value)
    return Response(body, status_code=status, media_type=FORMATS[fmt], headers=headers)


def errors(fmt: str, status: int, descriptions: tuple[str, ...], headers: dict[str, str] | None = None) -> Response:
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status, headers)

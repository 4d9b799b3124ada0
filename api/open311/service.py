"""The Open311 GeoReport v2 façade over the catalogue (online services) and the letter mailboxes.

- Services: every active online service by its code, and every active mailbox as `mailbox-<code>`; service
  definitions come from the service's form (file fields cannot travel over Open311 and are left out; a service
  whose form requires one cannot be filed here and says so in its description).
- POST: a registered client with the `open311` scope (api_key = its secret). A service becomes an application
  filed under the client's service account, a mailbox a letter; both run their normal workflow. The answer is
  a token; GET /tokens/{token} gives the service_request_id (the case's tracking number).
- GET: only requests filed through Open311, and only what is not personal: no name, contact, address,
  description or media; status open/closed from the case's workflow, status_notes its label,
  expected_datetime its deadline clock's.
"""

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.catalog import service as catalog
from api.complaints import service as complaints
from api.database import utcnow
from api.errors import NotFound, ValidationFailed
from api.open311.exceptions import bad_request, forbidden, not_found
from api.open311.models import CaseKind, Open311Request
from api.open311.render import when
from api.partners import service as partners
from api.partners.models import ApiClient, Scope

MAILBOX_PREFIX = "mailbox-"
MAX_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
DESCRIPTION_MAX = 4000
DATATYPES = {
    catalog.FieldType.string: "string", catalog.FieldType.phone: "string", catalog.FieldType.resident_id: "string",
    catalog.FieldType.text: "text", catalog.FieldType.number: "number", catalog.FieldType.date: "datetime",
    catalog.FieldType.datetime: "datetime", catalog.FieldType.single_choice: "singlevaluelist",
    catalog.FieldType.multiple_choice: "multivaluelist",
}
DATATYPE_NOTES = {catalog.FieldType.date: "日期，格式 YYYY-MM-DD", catalog.FieldType.phone: "电话号码",
                  catalog.FieldType.resident_id: "18 位公民身份号码"}
_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>")


@dataclass(frozen=True)
class Offer:
    code: str
    name: str
    description: str
    group: str
    keywords: str
    agency: str


async def services(session: AsyncSession) -> list[Offer]:
    rows = (await session.execute(catalog.readable().order_by(catalog.Service.sort_order, catalog.Service.id))).all()
    units = await catalog.units_by_id(session, {s.owner_unit_id for s, _ in rows})
    out = [Offer(s.code, v.name, f"{v.name}（承诺 {v.promised_days} 个工作日办结）", s.category or "网上办事",
                 s.category or "", units[s.owner_unit_id].name if s.owner_unit_id in units else "")
           for s, v in rows]
    boxes = await complaints.active_mailboxes(session)
    box_units = await catalog.units_by_id(session, {b.owner_unit_id for b in boxes})
    out += [Offer(MAILBOX_PREFIX + b.code, b.name, b.description or b.name, "互动交流", "信箱",
                  box_units[b.owner_unit_id].name if b.owner_unit_id in box_units else "") for b in boxes]
    return out


def service_list(offers: Sequence[Offer]) -> list[dict[str, Any]]:
    return [{"service_code": o.code, "service_name": o.name, "description": o.description, "metadata": True,
             "type": "realtime", "keywords": o.keywords, "group": o.group} for o in offers]


async def _mailbox(session: AsyncSession, code: str) -> Any:
    for b in await complaints.active_mailboxes(session):
        if MAILBOX_PREFIX + b.code == code:
            return b
    raise not_found(f"service_code {code} 不存在")


async def _offered(session: AsyncSession, code: str) -> catalog.Offered:
    try:
        return await catalog.offered(session, code)
    except NotFound:
        raise not_found(f"service_code {code} 不存在") from None


MAILBOX_ATTRIBUTES = [
    {"variable": True, "code": "subject", "datatype": "string", "required": False,
     "datatype_description": "不超过 200 字；不填时取描述的开头", "order": 1, "description": "来信标题"},
]


async def definition(session: AsyncSession, code: str) -> dict[str, Any]:
    if code.startswith(MAILBOX_PREFIX):
        await _mailbox(session, code)
        return {"service_code": code, "attributes": MAILBOX_ATTRIBUTES}
    offered = await _offered(session, code)
    attributes = []
    for i, f in enumerate((f for f in offered.form if f.type in DATATYPES), start=1):
        attr: dict[str, Any] = {"variable": True, "code": f.name, "datatype": DATATYPES[f.type],
                                "required": f.required, "datatype_description": DATATYPE_NOTES.get(f.type, ""),
                                "order": i, "description": f.label + (f"（{f.help}）" if f.help else "")}
        if f.options:
            attr["values"] = [{"key": o, "name": o} for o in f.options]
        attributes.append(attr)
    return {"service_code": code, "attributes": attributes}


async def client_for(session: AsyncSession, api_key: str | None) -> ApiClient:
    if not api_key:
        raise forbidden("缺少 api_key")
    try:
        c = await partners.client_for_api_key(session, api_key)
    except partners.InvalidClient:
        raise forbidden("api_key 无效") from None
    if Scope.open311 not in c.scopes:
        raise forbidden("该 api_key 没有 open311 权限范围")
    return c


def _attribute_values(form: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, values in form.items():
        m = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if m:
            out.setdefault(m.group(1), []).extend(values)
    return out


def _number(v: str) -> Any:
    try:
        n = float(v)
    except ValueError:
        return v  # the form rules refuse it as not a number
    return int(n) if n.is_integer() else n


def _form_data(fields: Sequence[catalog.FormField], attrs: dict[str, list[str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    by_name = {f.name: f for f in fields}
    for name, values in attrs.items():
        f = by_name.get(name)
        if f is None:
            data[name] = values[0]  # unknown: the form rules name it
        elif f.type == catalog.FieldType.multiple_choice:
            data[name] = values
        elif f.type == catalog.FieldType.number:
            data[name] = _number(values[0])
        else:
            data[name] = values[0]
    return data


def _errors(exc: ValidationFailed) -> list[str]:
    out = []
    for e in exc.extra.get("errors", []):
        field = str(e.get("field", ""))
        name = field.removeprefix("data.")
        out.append(f"attribute[{name}]: {e.get('message', '')}" if field.startswith("data.") else
                   f"{field}: {e.get('message', '')}")
    return out or [exc.detail]


def _location(form: dict[str, list[str]]) -> tuple[float | None, float | None]:
    lat, long = (form.get("lat") or [""])[0].strip(), (form.get("long") or [""])[0].strip()
    address = (form.get("address_string") or [""])[0].strip() or (form.get("address_id") or [""])[0].strip()
    if lat or long:
        try:
            la, lo = float(lat), float(long)
        except ValueError:
            raise bad_request("lat 与 long 须同时给出，且为 WGS84 经纬度数值") from None
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            raise bad_request("lat/long 超出范围")
        return la, lo
    if not address:
        raise bad_request("须给出位置：lat 与 long，或 address_string，或 address_id")
    return None, None


def one(form: dict[str, list[str]], name: str) -> str | None:
    v = (form.get(name) or [""])[0].strip()
    return v or None


async def file(session: AsyncSession, c: ApiClient, form: dict[str, list[str]], ip: str) -> Open311Request:
    code = one(form, "service_code")
    if code is None:
        raise bad_request("缺少 service_code")
    description = one(form, "description") or ""
    if len(description) > DESCRIPTION_MAX:
        raise bad_request(f"description 不能超过 {DESCRIPTION_MAX} 个字符")
    if _TAG.search(description):
        raise bad_request("description 不能包含 HTML")
    lat, long = _location(form)
    attrs = _attribute_values(form)
    now = utcnow()
    if code.startswith(MAILBOX_PREFIX):
        box = await _mailbox(session, code)
        if not description:
            raise bad_request("description: 请填写来信内容")
        subject = (attrs.get("subject") or [""])[0].strip() or description[:30]
        name = " ".join(x for x in (one(form, "last_name"), one(form, "first_name")) if x) or None
        try:
            letter = await complaints.file_letter(session, box.id, subject, description, name, one(form, "phone"),
                                                  one(form, "email"), ip, now, c.id, c.name)
        except ValidationFailed as exc:
            raise bad_request(*_errors(exc)) from None
        kind, case_id, tracking_no, service_name = CaseKind.letter, letter.id, letter.tracking_no, box.name
        agency = (await catalog.units_by_id(session, {box.owner_unit_id}))[box.owner_unit_id].name
    else:
        offered = await _offered(session, code)
        data = _form_data(offered.form, attrs)
        principal = await partners.service_principal(session, c)
        try:
            app = await applications.file_for(session, principal, code, data)
        except ValidationFailed as exc:
            raise bad_request(*_errors(exc)) from None
        kind, case_id, tracking_no, service_name = CaseKind.application, app.id, app.tracking_no, offered.version.name
        agency = offered.units[offered.service.owner_unit_id].name
    row = Open311Request(service_request_id=tracking_no, token=secrets.token_urlsafe(18), case_kind=kind,
                         case_id=case_id, client_pk=c.id, service_code=code, service_name=service_name,
                         agency_responsible=agency, lat=lat, long=long, requested_at=now)
    session.add(row)
    await session.flush()
    return row


async def by_token(session: AsyncSession, token: str) -> Open311Request:
    row = (await session.execute(select(Open311Request).where(Open311Request.token == token))).scalar_one_or_none()
    if row is None:
        raise not_found("token 不存在")
    return row


def parse_when(name: str, value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None  # an empty optional argument is an absent one
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} 须为 W3C 日期时间（如 2026-12-01T00:00:00+08:00）") from None
    if dt.tzinfo is None:
        raise bad_request(f"{name} 须带时区")
    return dt


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


async def search(session: AsyncSession, ids: str | None, codes: str | None, start: str | None, end: str | None,
                 status: str | None, now: datetime | None = None) -> list[dict[str, Any]]:
    stmt = select(Open311Request).order_by(Open311Request.requested_at.desc(), Open311Request.id.desc())
    wanted = _csv(ids)
    statuses = set(_csv(status))
    if statuses - {"open", "closed"}:
        raise bad_request("status 只能是 open、closed（可用逗号分隔）")
    if wanted:  # overrides every other filter
        stmt = stmt.where(Open311Request.service_request_id.in_(wanted))
        statuses = set()
    else:
        now = now or utcnow()
        start_at, end_at = parse_when("start_date", start), parse_when("end_date", end)
        if start_at is None and end_at is None:
            end_at, start_at = now, now - MAX_WINDOW
        elif start_at is None:
            assert end_at is not None
            start_at = end_at - MAX_WINDOW
        elif end_at is None:
            end_at = min(now, start_at + MAX_WINDOW)
        if end_at < start_at:
            raise bad_request("end_date 不能早于 start_date")
        if end_at - start_at > MAX_WINDOW:
            raise bad_request("start_date 与 end_date 相距不能超过 90 天")
        stmt = stmt.where(Open311Request.requested_at >= start_at, Open311Request.requested_at <= end_at)
        if _csv(codes):
            stmt = stmt.where(Open311Request.service_code.in_(_csv(codes)))
    rows = list((await session.execute(stmt.limit(MAX_REQUESTS))).scalars())
    out = await present(session, rows)
    return [r for r in out if not statuses or r["status"] in statuses]


async def get_one(session: AsyncSession, service_request_id: str) -> list[dict[str, Any]]:
    row = (await session.execute(select(Open311Request).where(
        Open311Request.service_request_id == service_request_id))).scalar_one_or_none()
    if row is None:
        raise not_found(f"service_request_id {service_request_id} 不存在")
    return await present(session, [row])


async def present(session: AsyncSession, rows: list[Open311Request]) -> list[dict[str, Any]]:
    """The public fields only (see the module docstring)."""
    apps = await applications.public_states(
        session, [r.case_id for r in rows if r.case_kind == CaseKind.application])
    letters = await complaints.public_states(session, [r.case_id for r in rows if r.case_kind == CaseKind.letter])
    out = []
    for r in rows:
        state: Any = (apps if r.case_kind == CaseKind.application else letters).get(r.case_id)
        if state is None:
            continue
        out.append({k: v for k, v in {
            "service_request_id": r.service_request_id,
            "status": "open" if state.is_open else "closed",
            "status_notes": state.label,
            "service_name": r.service_name,
            "service_code": r.service_code,
            "description": None,
            "agency_responsible": r.agency_responsible,
            "service_notice": None,
            "requested_datetime": when(r.requested_at),
            "updated_datetime": when(max(state.updated_at, r.requested_at)),
            "expected_datetime": when(state.deadline_at),
            "address": None,
            "address_id": None,
            "zipcode": None,
            "lat": r.lat,
            "long": r.long,
            "media_url": None,
        }.items() if v is not None})  # what is not published is left out, not sent empty
    return out

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.database import SessionDep
from api.open311 import render, service
from api.open311.exceptions import Open311Error, not_found
from api.partners import service as partners
from api.partners.dependencies import admit

router = APIRouter(prefix="/open311/v2", tags=["open311"])

Fmt = Annotated[str, Path(description="xml（规范要求）或 json", examples=["xml"], max_length=10)]
Opt = Annotated[str | None, Query(max_length=2000)]
SPEC = "http://wiki.open311.org/GeoReport_v2"


def _doc(description: str, post: bool = False) -> dict[str, Any]:
    content = {"text/xml": {"schema": {"type": "string"}}, "application/json": {"schema": {}}}
    errors = {"description": "GeoReport v2 错误数组（<errors><error><code/><description/></error></errors>）",
              "content": content}
    out: dict[str, Any] = {"response_class": Response, "description": description,
                           "responses": {200: {"description": "成功", "content": content}, 400: errors, 404: errors}}
    if post:
        out["responses"][403] = errors
        out["responses"][429] = errors
    return out


async def _answer(fmt: str, work: Callable[[], Awaitable[Response]]) -> Response:
    if fmt not in render.FORMATS:
        return render.errors("xml", 404, ("格式只能是 .xml 或 .json",))
    try:
        return await work()
    except Open311Error as exc:
        return render.errors(fmt, exc.status, exc.descriptions, exc.headers or None)
    except partners.ClientRateLimited as exc:
        return render.errors(fmt, 429, (exc.detail,), exc.headers())


def _jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    if jurisdiction_id and jurisdiction_id.strip() and jurisdiction_id.strip() != request.url.hostname:
        raise not_found(f"jurisdiction_id {jurisdiction_id} 不存在（本接口只服务 {request.url.hostname}）")


@router.get("/discovery.{fmt}", **_doc("Service discovery: the endpoint, its specification and formats."))
async def open311_discovery(request: Request, fmt: Fmt) -> Response:
    async def work() -> Response:
        base = str(request.base_url).rstrip("/") + "/open311/v2/"
        return render.respond(fmt, "discovery", {
            "changeset": "2026-12-03T12:00:00+08:00",
            "contact": "请通过门户“互动交流”栏目联系我们；接入密钥由系统管理员登记发放",
            "key_service": "由门户系统管理员登记接入客户端（权限范围 open311），其 client_secret 即 api_key",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": "2026-12-03T12:00:00+08:00",
                           "type": "production", "formats": list(("text/xml", "application/json"))}],
        })
    return await _answer(fmt, work)


@router.get("/services.{fmt}", **_doc("Every online service and letter mailbox that takes service requests."))
async def open311_services(request: Request, session: SessionDep, fmt: Fmt, jurisdiction_id: Opt = None) -> Response:
    async def work() -> Response:
        _jurisdiction(request, jurisdiction_id)
        return render.respond(fmt, "services", service.service_list(await service.services(session)))
    return await _answer(fmt, work)


@router.get("/services/{service_code}.{fmt}", **_doc("A service's definition: its attributes from the form."))
async def open311_service_definition(request: Request, session: SessionDep, service_code: Annotated[
        str, Path(max_length=64)], fmt: Fmt, jurisdiction_id: Opt = None) -> Response:
    async def work() -> Response:
        _jurisdiction(request, jurisdiction_id)
        return render.respond(fmt, "service_definition", await service.definition(session, service_code))
    return await _answer(fmt, work)


@router.post("/requests.{fmt}", **_doc(
    "File a service request (form-encoded; api_key = a registered client's secret with the open311 scope). "
    "It becomes an application or a letter; the answer carries a token.", post=True),
    openapi_extra={"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["api_key", "service_code"],
        "properties": {name: {"type": "string"} for name in (
            "api_key", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
            "account_id", "first_name", "last_name", "phone", "description", "media_url")},
        "additionalProperties": {"type": "string", "description": "attribute[CODE]，多选为 attribute[CODE][]"}}}}}})
async def open311_create_request(request: Request, session: SessionDep, fmt: Fmt) -> Response:
    async def work() -> Response:
        try:
            form = await request.form()
        except Exception:  # a body that is not a form: the spec's 400
            raise Open311Error(400, "请求体须为 application/x-www-form-urlencoded") from None
        values: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                values.setdefault(key, []).append(value)
        client = await service.client_for(session, service.one(values, "api_key"))
        await admit(request, partners.context_of(client))
        ip = request.client.host if request.client else "unknown"
        row = await service.file(session, client, values, ip)
        return render.respond(fmt, "service_requests", [{"token": row.token}])
    return await _answer(fmt, work)


@router.get("/requests.{fmt}", **_doc(
    "Service requests filed through Open311 (no personal data): service_request_id overrides every other "
    "filter; the date range defaults to the last 90 days and may not be wider."))
async def open311_requests(request: Request, session: SessionDep, fmt: Fmt, service_request_id: Opt = None,
                           service_code: Opt = None, start_date: Opt = None, end_date: Opt = None,
                           status: Opt = None, jurisdiction_id: Opt = None) -> Response:
    async def work() -> Response:
        _jurisdiction(request, jurisdiction_id)
        found = await service.search(session, service_request_id, service_code, start_date, end_date, status)
        return render.respond(fmt, "service_requests", found)
    return await _answer(fmt, work)


@router.get("/requests/{service_request_id}.{fmt}", **_doc("One service request (no personal data)."))
async def open311_request(request: Request, session: SessionDep, service_request_id: Annotated[
        str, Path(max_length=32)], fmt: Fmt, jurisdiction_id: Opt = None) -> Response:
    async def work() -> Response:
        _jurisdiction(request, jurisdiction_id)
        return render.respond(fmt, "service_requests", await service.get_one(session, service_request_id))
    return await _answer(fmt, work)


@router.get("/tokens/{token}.{fmt}", **_doc("The service_request_id a POST's token became."))
async def open311_token(request: Request, session: SessionDep, token: Annotated[str, Path(max_length=40)],
                        fmt: Fmt, jurisdiction_id: Opt = None) -> Response:
    async def work() -> Response:
        _jurisdiction(request, jurisdiction_id)
        row = await service.by_token(session, token)
        return render.respond(fmt, "service_requests",
                              [{"service_request_id": row.service_request_id, "token": row.token}])
    return await _answer(fmt, work)

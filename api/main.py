"""The application factory: routers, middleware, problem+json errors and the built SPA."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.engine import make_url

from api import health, worker
from api.admin.router import public_router as org_units_router
from api.admin.router import router as admin_router
from api.applications.router import router as applications_router
from api.audit import checkpoints as audit_checkpoints
from api.audit import service as audit
from api.audit.keys import get_audit_keys
from api.audit.router import router as audit_router
from api.auth.dependencies import callers
from api.auth.models import User
from api.auth.router import COOKIE_NAME as REFRESH_COOKIE
from api.auth.router import jwks_router
from api.auth.router import router as auth_router
from api.auth.service import get_keyring
from api.calendar.router import router as calendar_router
from api.captcha.router import router as captcha_router
from api.cases.router import router as vocabulary_router
from api.catalog.router import router as catalog_router
from api.complaints.router import mailboxes_router
from api.complaints.router import router as complaints_router
from api.compliance.router import router as compliance_router
from api.config import Environment, Settings, get_settings
from api.database import dispose_engine, get_sessionmaker
from api.disclosure_requests.report_router import guide_router as disclosure_guide_router
from api.disclosure_requests.report_router import router as annual_reports_router
from api.disclosure_requests.router import router as disclosure_requests_router
from api.disclosures import service as disclosures_service
from api.disclosures.router import feeds_router as disclosure_feeds_router
from api.disclosures.router import router as disclosures_router
from api.docs import docs_router
from api.errors import (
    AppError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ProblemModel,
    UnsupportedMediaType,
    ValidationFailed,
    install_error_handlers,
)
from api.logs import configure_logging, get_logger
from api.middleware import BodyLimitMiddleware, HeadMiddleware, RequestContextMiddleware, RequestGuardMiddleware
from api.notifications.router import router as notifications_router
from api.open311.router import router as open311_router
from api.partners import openapi as partners_openapi
from api.partners import service as partners_service
from api.partners.dependencies import client_gate
from api.partners.middleware import ClientUsageMiddleware
from api.partners.router import router as api_clients_router
from api.performance.router import router as performance_router
from api.publiccache.middleware import ResponseCacheMiddleware, response_cache
from api.publiccache.service import heads as public_heads
from api.ratings.router import router as ratings_router
from api.search.router import router as search_router
from api.site import router as site_router
from api.sitepages.router import router as sitepages_router
from api.sitesearch.router import router as sitesearch_router
from api.spa import SPA
from api.surveys.router import consultations_router, surveys_router
from api.visits import jobs as visit_jobs
from api.visits.router import router as visits_router
from api.websub.router import router as websub_router
from api.wechat.router import auth_router as wechat_auth_router
from api.wechat.router import router as wechat_router

API_PREFIX = "/api/v1"
log = get_logger("api.main")

# FastAPI tries the included routers in this order, each route's pattern in turn, so the busiest come first:
# public disclosure reads and feeds, then services and applications. Every router owns distinct paths, so the
# order changes nothing else.
ROUTERS = [
    health.router,
    site_router,
    sitepages_router,
    disclosures_router,
    disclosure_feeds_router,
    catalog_router,
    applications_router,
    ratings_router,
    notifications_router,
    vocabulary_router,
    auth_router,
    wechat_auth_router,
    wechat_router,
    complaints_router,
    disclosure_requests_router,
    annual_reports_router,
    disclosure_guide_router,
    mailboxes_router,
    surveys_router,
    consultations_router,
    captcha_router,
    calendar_router,
    search_router,
    sitesearch_router,
    visits_router,
    performance_router,
    compliance_router,
    org_units_router,
    admin_router,
    api_clients_router,
    websub_router,
    audit_router,
]


class StartupRefused(RuntimeError):
    pass


async def check_production(settings: Settings) -> None:
    """Every reason to refuse a production start at once, each saying what to set."""
    problems = settings.production_problems()
    async with get_sessionmaker()() as session:
        demo = (await session.execute(select(User.username).where(User.is_demo.is_(True)).limit(1))).first()
    if demo:
        problems.append("the database holds demo accounts: remove them (python -m api.cli purge-demo) "
                        "before running with PORTAL_ENV=production")
    if problems:
        raise StartupRefused("refusing to start in production:\n  - " + "\n  - ".join(problems))


def _operation_id(route: APIRoute) -> str:
    return route.name


OPEN311_PREFIX = "/open311/"
PROBLEM_REF = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemModel"}}}
_BODY_METHODS = ("post", "put", "patch")


def _dependency_errors(dependant: Dependant) -> set[type[AppError]]:
    """The errors declared with @raises on every dependency a route uses, however deep."""
    found: set[type[AppError]] = set()
    todo = list(dependant.dependencies)
    while todo:
        dep = todo.pop()
        found.update(getattr(dep.call, "problem_responses", ()))
        todo.extend(dep.dependencies)
    return found


def _dependency_calls(dependant: Dependant) -> list[Any]:
    calls, todo = [], list(dependant.dependencies)
    while todo:
        dep = todo.pop()
        calls.append(dep.call)
        todo.extend(dep.dependencies)
    return calls


def _route_callers(routers: list[tuple[str, APIRouter]]) -> dict[tuple[str, str], list[str]]:
    """Who may call each operation (api.auth.dependencies.callers), for its ``x-callers``."""
    return {(prefix + route.path, method.lower()): callers(_dependency_calls(route.dependant))
            for prefix, router in routers for route in router.routes if isinstance(route, APIRoute)
            for method in route.methods or ()}


def _route_errors(routers: list[tuple[str, APIRouter]]) -> dict[tuple[str, str], set[type[AppError]]]:
    return {(prefix + route.path, method.lower()): _dependency_errors(route.dependant)
            for prefix, router in routers for route in router.routes if isinstance(route, APIRoute)
            for method in route.methods or ()}


def _errors_that_occur(path: str, method: str, op: dict[str, Any],
                       declared: set[type[AppError]]) -> dict[int, str]:
    """The problem+json statuses any operation can answer, from what it is rather than from a list per route:
    401 and 403 from its dependencies (@raises), 404 when the path names something, 413/415 for a body (the body
    limits in api/middleware.py), 409 for any write (two requests racing onto a unique constraint, see
    api/errors.py), 400 for a body that cannot be decoded, 422 from the input checks that run on every request
    (api/validation.py)."""
    out: dict[int, str] = {}
    for err in sorted(declared, key=lambda e: (e.status, len(e.__mro__), e.__name__)):
        out.setdefault(err.status, err.title)  # one title per status: the most general error's, whatever the order
    if "{" in path:
        out.setdefault(404, NotFound.title)
    if method in _BODY_METHODS:
        out.setdefault(413, PayloadTooLarge.title)
        out.setdefault(415, UnsupportedMediaType.title)
    if method in (*_BODY_METHODS, "delete"):
        out.setdefault(409, Conflict.title)
    if "requestBody" in op:  # bytes that are not text in the declared encoding, or a form that does not parse
        out.setdefault(400, "请求体无法解析")
    out.setdefault(422, ValidationFailed.title)
    return out


def _problem_contract(app: FastAPI, routers: list[tuple[str, APIRouter]]) -> None:
    """The contract documents every error as the problem+json body the API really sends (FastAPI's default 422
    shape replaced), and every status an operation can answer (_errors_that_occur)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in ProblemModel.model_json_schema(ref_template="#/components/schemas/{model}").get(
                "$defs", {}).items():
            schemas.setdefault(name, schema)
        problem = ProblemModel.model_json_schema(ref_template="#/components/schemas/{model}")
        problem.pop("$defs", None)
        schemas["ProblemModel"] = problem
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        partners_openapi.document(spec)
        declared = _route_errors(routers)
        who = _route_callers(routers)
        for path, item in spec.get("paths", {}).items():
            if path.startswith(OPEN311_PREFIX):  # GeoReport v2 answers its own error arrays, not problem+json
                for op in item.values():  # except the input checks every route shares (too long a path segment)
                    op["responses"]["422"] = {"description": ValidationFailed.title, "content": PROBLEM_REF}
                continue
            for method, op in item.items():
                if (path, method) in who:  # x-callers: who may call it (the mini-program checks: no PATCH)
                    op["x-callers"] = who[(path, method)]
                responses = op.setdefault("responses", {})
                occurring = _errors_that_occur(path, method, op, declared.get((path, method), set()))
                for status_code, title in sorted(occurring.items()):
                    responses.setdefault(str(status_code), {"description": title})
                resp = responses.get("422")
                if resp is not None:
                    resp["description"] = ValidationFailed.title
                    resp["content"] = PROBLEM_REF
                for status_code, other in responses.items():
                    if status_code >= "400":
                        other["content"] = PROBLEM_REF
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.env == Environment.production:
            await check_production(settings)
        get_keyring()
        get_audit_keys()
        backend = make_url(settings.database_url).get_backend_name()
        audit.linker.start(after_link=audit_checkpoints.checkpoint_if_due)
        if backend == "postgresql":
            disclosures_service.feed_heads.start(settings.database_url)
            public_heads.start(settings.database_url)
        if not settings.redis_url and not settings.runs_worker_in_process:  # counts only this process holds
            visit_jobs.flusher.start(visit_jobs.loop)
        partners_service.usage_flusher.start(lambda: partners_service.run_usage_flusher(get_sessionmaker()))
        if settings.runs_worker_in_process:
            worker.start_in_process()
        yield
        await worker.in_process.stop()
        await partners_service.usage_flusher.stop()
        await visit_jobs.stop()
        await public_heads.stop()
        await disclosures_service.feed_heads.stop()
        await audit.linker.stop()
        await dispose_engine()

    app = FastAPI(
        title="政务门户 Zhengwu Portal API",
        version="1.0.0",
        description="政务公开、网上办事、互动交流。错误一律以 application/problem+json（RFC 9457）返回。",
        lifespan=lifespan,
        # Every route: a registered API client's token is held to its scopes and limits (api/partners).
        dependencies=[Depends(client_gate)],
        generate_unique_id_function=_operation_id,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # our own page (api/docs.py): FastAPI's loads Swagger UI from a CDN with an inline script
        redoc_url=None,
        # FastAPI's built-in OpenTelemetry hooks check for providers on every request and wrap each dependency;
        # off unless asked for (PORTAL_OPENTELEMETRY=true, with providers configured as FastAPI documents).
        telemetry=None if settings.opentelemetry else {
            "tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(jwks_router)
    app.include_router(open311_router)
    app.include_router(docs_router(f"{API_PREFIX}/docs", f"{API_PREFIX}/openapi.json"))
    # Innermost: a cached public read is answered before routing, HEAD included (HeadMiddleware routes it as GET).
    response_cache.max_bytes = settings.response_cache_mb * 1024 * 1024
    app.add_middleware(ResponseCacheMiddleware, routers=[(API_PREFIX, r) for r in ROUTERS],
                       postgres=make_url(settings.database_url).get_backend_name() == "postgresql",
                       signed_in_cookies=(REFRESH_COOKIE,))
    app.add_middleware(ClientUsageMiddleware)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(RequestGuardMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_json=settings.max_json_body_bytes,
                       max_upload=settings.max_upload_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"], expose_headers=["Link", "X-Request-ID", "ETag"])
    app.add_middleware(RequestContextMiddleware, production=settings.env == Environment.production)
    # The SPA is the router's fallback, not a Mount("/"): a catch-all Mount matched every path fully,
    # so a wrong method on an API route answered 404 instead of 405.
    app.router.default = SPA(Path(settings.web_dist))
    _problem_contract(app, [(API_PREFIX, r) for r in ROUTERS] + [("", jwks_router)])
    return app


app = create_app()

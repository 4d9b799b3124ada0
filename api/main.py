"""The application factory: routers, middleware, problem+json errors and the built SPA."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.engine import make_url

from api import health
from api.admin.router import public_router as org_units_router
from api.admin.router import router as admin_router
from api.applications.router import router as applications_router
from api.audit import service as audit
from api.audit.router import router as audit_router
from api.auth.models import User
from api.auth.router import jwks_router
from api.auth.router import router as auth_router
from api.auth.service import get_keyring
from api.calendar.router import router as calendar_router
from api.captcha.router import router as captcha_router
from api.cases.router import router as vocabulary_router
from api.catalog.router import router as catalog_router
from api.complaints.router import mailboxes_router
from api.complaints.router import router as complaints_router
from api.config import Environment, Settings, get_settings
from api.database import dispose_engine, get_sessionmaker
from api.disclosures import service as disclosures_service
from api.disclosures.router import feeds_router as disclosure_feeds_router
from api.disclosures.router import router as disclosures_router
from api.errors import ProblemModel, install_error_handlers
from api.logs import configure_logging, get_logger
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.notifications.router import router as notifications_router
from api.ratings.router import router as ratings_router
from api.spa import SPA
from api.surveys.router import consultations_router, surveys_router

API_PREFIX = "/api/v1"
log = get_logger("api.main")

# FastAPI tries the included routers in this order, each route's pattern in turn, so the busiest come first:
# public disclosure reads and feeds, then services and applications. Every router owns distinct paths, so the
# order changes nothing else.
ROUTERS = [
    health.router,
    disclosures_router,
    disclosure_feeds_router,
    catalog_router,
    applications_router,
    ratings_router,
    notifications_router,
    vocabulary_router,
    auth_router,
    complaints_router,
    mailboxes_router,
    surveys_router,
    consultations_router,
    captcha_router,
    calendar_router,
    org_units_router,
    admin_router,
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


def _problem_422_contract(app: FastAPI) -> None:
    """Document 422 as the problem+json body the API really sends, not FastAPI's default shape."""

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
        for path in spec.get("paths", {}).values():
            for op in path.values():
                resp = op.get("responses", {}).get("422")
                if resp is not None:
                    resp["description"] = "提交的数据未通过校验"
                    resp["content"] = {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/ProblemModel"}}}
                for status_code, other in op.get("responses", {}).items():
                    content = other.get("content", {})
                    if status_code >= "400" and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
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
        backend = make_url(settings.database_url).get_backend_name()
        if audit.linking_mode(backend) == "background":
            audit.linker.start()
        if backend == "postgresql":
            disclosures_service.feed_heads.start(settings.database_url)
        yield
        await disclosures_service.feed_heads.stop()
        await audit.linker.stop()
        await dispose_engine()

    app = FastAPI(
        title="政务门户 Zhengwu Portal API",
        version="1.0.0",
        description="政务公开、网上办事、互动交流。错误一律以 application/problem+json（RFC 9457）返回。",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
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
    app.add_middleware(BodyLimitMiddleware, max_json=settings.max_json_body_bytes,
                       max_upload=settings.max_upload_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"], expose_headers=["Link", "X-Request-ID", "ETag"])
    app.add_middleware(RequestContextMiddleware)
    # The SPA is the router's fallback, not a Mount("/"): a catch-all Mount matched every path fully,
    # so a wrong method on an API route answered 404 instead of 405.
    app.router.default = SPA(Path(settings.web_dist))
    _problem_422_contract(app)
    return app


app = create_app()

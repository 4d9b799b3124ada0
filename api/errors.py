"""Domain errors carry their HTTP meaning; one handler renders all errors as RFC 9457 problem+json."""

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.logs import get_logger, request_id_var

PROBLEM_JSON = "application/problem+json"
log = get_logger("api.errors")


class AppError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "请求有误"
    # True when the request's writes must be committed even though it answers with this error.
    keep_changes: ClassVar[bool] = False

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def headers(self) -> dict[str, str]:
        return {}


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    title = "未登录或登录已过期"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="zhengwu-portal"'}


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "没有权限执行此操作"


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "资源不存在"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "与当前状态冲突"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "当前状态不允许此操作"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    title = "上传内容超过大小限制"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    title = "不支持的内容类型"


class ValidationFailed(AppError):
    """A 422 raised by a service, with per-field errors like request validation."""

    status = 422
    code = "validation_failed"
    title = "提交的数据未通过校验"

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None) -> None:
        super().__init__(detail, errors=errors)


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    title = "请求过于频繁，请稍后再试"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))
        self.extra["retry_after"] = self.retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    title = "服务暂不可用"


_STATUS_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "未登录或登录已过期"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "无法提供所请求的格式"),
    409: ("conflict", "与当前状态冲突"),
    413: ("payload_too_large", "上传内容超过大小限制"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_failed", "提交的数据未通过校验"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
    503: ("service_unavailable", "服务暂不可用"),
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://zhengwu-portal.example/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
    }
    if instance:
        body["instance"] = instance
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_for_status(status: int, detail: str | None = None, **kw: Any) -> JSONResponse:
    code, title = _STATUS_CODES.get(status, ("error", "请求失败"))
    return problem(status, code, title, detail, **kw)


_LOC_SKIP = {"body", "query", "path", "header", "cookie", "form"}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc and loc[0] in _LOC_SKIP else None
        path = [p for i, p in enumerate(loc) if not (i == 0 and where)]
        out.append({"field": ".".join(path) or (where or ""), "in": where or "body",
                    "message": err.get("msg", ""), "type": err.get("type", "")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, instance=request.url.path,
                       headers=exc.headers() or None, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "validation_failed", "提交的数据未通过校验",
                       "请检查以下字段", instance=request.url.path, errors=_field_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, AppError):
            return await _app_error(request, exc.__cause__)
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in {
            "Not Found", "Method Not Allowed"} else None
        return problem_for_status(exc.status_code, detail, instance=request.url.path,
                                  headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Two requests raced past a service's own check onto a unique constraint; the session has
        # rolled back, so nothing was half-written.
        log.warning("integrity_conflict", path=request.url.path, error=str(exc.orig)[:200])
        return problem(409, "conflict", "与已有数据冲突", "该记录已被其他请求修改或创建，请刷新后重试",
                       instance=request.url.path)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # A value the request schemas let through that the column cannot hold (an integer beyond its range, text
        # the database refuses): the input is at fault, and the session has rolled back. The types of
        # api/validation.py should catch it first; this keeps a gap there a 422, not a 500.
        log.warning("data_error", path=request.url.path, error=str(exc.orig)[:200])
        return problem(422, "invalid_value", "提交的数据超出允许范围", "某个值超出了允许的范围或格式",
                       instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return problem_for_status(500, instance=request.url.path)


def raises(*errors: type[AppError]) -> Any:
    """Marks a dependency with the errors it answers; every route that depends on it documents them (api/main.py)."""

    def mark(fn: Any) -> Any:
        fn.problem_responses = (*getattr(fn, "problem_responses", ()), *errors)
        return fn

    return mark


def responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` a route declares so the contract shows its problem+json errors."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        out[err.status] = {"description": err.title, "model": ProblemModel}
    return out


class FieldError(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    field: str
    location: str = Field(alias="in")
    message: str
    type: str


class ProblemModel(BaseModel):
    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    retry_after: int | None = None

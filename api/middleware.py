"""Pure ASGI middleware: request id, access log, security headers, HEAD, input checks, body-size and type limits."""

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import validation
from api.errors import AppError, PayloadTooLarge, problem, problem_for_status
from api.logs import client_ip_var, get_logger, request_id_var

_RID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
_BODY_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded",
               "application/merge-patch+json")
log = get_logger("api.access")

# The SPA's build has no inline script (Vite emits module files) and neither has the docs page (api/docs.py);
# Element Plus and Swagger UI set style attributes, hence 'unsafe-inline' for styles only. Images may be data:
# URIs (Element Plus icons, Swagger UI) or blob: (previews of a chosen upload).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
    "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=(), interest-cohort=()")
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(production: bool) -> list[tuple[bytes, bytes]]:
    """Browser hardening sent on every response, API and SPA alike; HSTS only where TLS is certain."""
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class RequestContextMiddleware:
    """Accepts a well-formed X-Request-ID or makes one, logs one JSON line per request, adds security headers."""

    def __init__(self, app: ASGIApp, production: bool = False) -> None:
        self.app = app
        self.security_headers = security_headers(production)
        self.security_names = {name for name, _ in self.security_headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _RID.match(given) else uuid.uuid4().hex
        rid_token = request_id_var.set(rid)
        ip_token = client_ip_var.set(scope["client"][0] if scope.get("client") else None)
        start = time.perf_counter()
        status = 500
        status_sent = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, status_sent
            if message["type"] == "http.response.start":
                status, status_sent = message["status"], True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                present = {k.lower() for k, _ in headers} & self.security_names
                headers.extend(h for h in self.security_headers if h[0] not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Rendered here, inside the request's context, so the 500 carries X-Request-ID and the log line
            # its request id; Starlette's outermost handler would run after both were gone.
            if status_sent:
                raise
            log.exception("unhandled_error", path=scope["path"])
            await problem_for_status(500, instance=scope["path"])(scope, receive, send_wrapper)
        finally:
            if scope["path"].startswith("/api"):
                log.info("request", method=scope["method"], path=scope["path"], status=status,
                         ms=round((time.perf_counter() - start) * 1000, 1))
            request_id_var.reset(rid_token)
            client_ip_var.reset(ip_token)


class HeadMiddleware:
    """HEAD wherever GET answers: the request is routed as a GET and the body is dropped, so the status and headers
    (Content-Length, ETag, Last-Modified, Link) are exactly GET's. One mechanism for every route, feeds, JWKS and
    the SPA, and OpenAPI keeps documenting GET alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)


_GUARDED = ("/api", "/.well-known")
_JSON_TYPES = ("application/json", "application/merge-patch+json")
_FORM_TYPE = "application/x-www-form-urlencoded"


class RequestGuardMiddleware:
    """The checks of api/validation.py on every API request before routing: NUL in the path, the query or a JSON or
    urlencoded body, and JSON nested too deep. Such bodies are read whole here (the body limit, outside, still
    applies) and handed on unchanged; multipart uploads stream past (file names are sanitized where stored)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_GUARDED):
            await self.app(scope, receive, send)
            return
        try:
            validation.check_url(scope["path"], scope["query_string"])
            if scope["method"] in ("POST", "PUT", "PATCH"):
                receive = await self._checked_body(scope, receive)
        except AppError as exc:
            response = problem(exc.status, exc.code, exc.title, exc.detail, instance=scope["path"], **exc.extra)
            await response(scope, _noop_receive, send)
            return
        await self.app(scope, receive, send)

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        ctype = _content_type(scope)
        if ctype in _JSON_TYPES or ctype.endswith("+json"):
            check = validation.check_json
        elif ctype == _FORM_TYPE:
            check = validation.check_form
        else:
            return receive
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        check(body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


class BodyLimitMiddleware:
    """413 for bodies over the limit (declared or streamed), 415 for unsupported body types."""

    def __init__(self, app: ASGIApp, max_json: int, max_upload: int) -> None:
        self.app = app
        self.max_json = max_json
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        ctype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        length = headers.get(b"content-length")
        limit = self.max_upload + 64 * 1024 if ctype == "multipart/form-data" else self.max_json
        if length is not None and length.isdigit() and int(length) > limit:
            await _reject(scope, send, 413)
            return
        has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
        if has_body and ctype not in _BODY_TYPES:
            await _reject(scope, send, 415, f"不支持的内容类型：{ctype or '未声明'}")
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _reject(scope, send, 413)


class _TooLarge(PayloadTooLarge):
    """Raised from receive(); FastAPI may wrap it in a 400, which the error handler unwraps."""


async def _reject(scope: Scope, send: Send, status: int, detail: str | None = None) -> None:
    response = problem_for_status(status, detail, instance=scope["path"])
    await response(scope, _noop_receive, send)


async def _noop_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}

"""Pure ASGI middleware: request id, access log, body-size and content-type limits, security headers."""

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PayloadTooLarge, problem_for_status
from api.logs import client_ip_var, get_logger, request_id_var

_RID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
_BODY_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded",
               "application/merge-patch+json")
log = get_logger("api.access")


class RequestContextMiddleware:
    """Accepts a well-formed X-Request-ID or makes one, logs one JSON line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
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

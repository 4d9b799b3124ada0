"""Adds the RateLimit headers the gate computed to a client's answer (errors included) and counts the request
and its outcome for the client's usage."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.partners import service


class ClientUsageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # the router updates this scope in place: the gate writes here
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                usage = state.get(service.STATE_KEY)
                if usage is not None and usage.limits is not None:
                    headers = list(message.get("headers", []))
                    present = {k.lower() for k, _ in headers}
                    headers.extend((k.lower().encode(), v.encode()) for k, v in usage.limits.headers().items()
                                   if k.lower().encode() not in present)
                    message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            usage = state.get(service.STATE_KEY)
            if usage is not None:
                service.record_usage(usage.client.pk, usage.endpoint, status)

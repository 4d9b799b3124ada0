"""The baselines every figure is divided by, each run in its own uvicorn process.

`fastapi_app` is a bare FastAPI application with one route, written as FastAPI's tutorial writes it: no
middleware, no database, no other routes. Dividing by a hello route inside the portal would flatter every
ratio: the portal's middleware and its router (a hello added last is tried after every other route) cost
about two thirds of such a request, so a ratio against it reads about three times too kind.

`asgi_app` is a raw ASGI callable that answers the same bytes without any framework; it is measured for
information (how much of the bare FastAPI request is the framework) and is never a divisor."""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

fastapi_app = FastAPI()


@fastapi_app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


_BODY = b'{"hello":"world"}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":  # lifespan: accept start-up and shut-down
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})

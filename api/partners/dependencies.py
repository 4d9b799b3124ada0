"""The gate every route passes (an app-wide dependency): a registered client's bearer token is checked, its scope
for the route, its rate limit and quota; the middleware (api/partners/middleware.py) adds the RateLimit headers
and counts the request."""

from typing import Annotated, Any

from fastapi import Depends, Request

from api.auth.tokens import unverified_kind
from api.database import ReaderDep
from api.partners import service
from api.partners.exceptions import NotForClients, ScopeRequired


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _is_client_token(token: str) -> bool:
    # The claims are read unverified only to route the token; client_from_token verifies it.
    return unverified_kind(token) == "client"


def _template(request: Request) -> str:
    """The path with its parameters' values put back as `{name}`: usage is counted per route, not per URL."""
    parts = request.url.path.split("/")
    names = {str(v): k for k, v in request.path_params.items()}
    return "/".join(f"{{{names[p]}}}" if p in names else p for p in parts)


def _state(request: Request) -> dict[str, Any]:
    return request.scope.setdefault("state", {})


# Not @raises: every route would document 401/403/429 though only a client's token can meet them; the
# client_credentials security scheme's description says so instead.
async def client_gate(request: Request, reader: ReaderDep) -> None:
    token = _bearer(request)
    if token is None or not _is_client_token(token):
        return
    ctx, scopes = await service.client_from_token(reader, token)
    path = request.url.path
    _state(request)[service.STATE_KEY] = service.Usage(ctx, f"{request.method} {_template(request)}")
    if path in service.OPEN_TO_CLIENTS:
        return
    needed = service.required_scope(request.method, path)
    if needed is None:
        raise NotForClients()
    if needed not in scopes:
        raise ScopeRequired(needed)
    await admit(request, ctx)


async def admit(request: Request, ctx: service.ClientContext) -> None:
    """Count the request against the client's limits; the headers go on the answer, 429 or not."""
    usage = _state(request).setdefault(service.STATE_KEY, service.Usage(ctx, request.method))
    try:
        usage.limits = await service.check_limits(ctx)
    except service.ClientRateLimited as exc:
        usage.limits = exc.limits
        raise


def relaying_client(request: Request) -> service.ClientContext | None:
    """The registered client whose token made this request (the gate checked it and its scope first), or None."""
    usage = _state(request).get(service.STATE_KEY)
    return usage.client if isinstance(usage, service.Usage) else None


ClientGate = Annotated[None, Depends(client_gate)]
# A route a client may call on a citizen's behalf: the client (its token is nobody's: the principal is None).
RelayingClient = Annotated[service.ClientContext | None, Depends(relaying_client)]

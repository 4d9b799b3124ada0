"""OAuth2 grants other than `password` that POST /auth/token accepts, registered by the package that implements
them (api/partners registers `client_credentials`), so auth needs no import of it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.schemas import TokenPair


@dataclass(frozen=True)
class GrantRequest:
    client_id: str | None
    client_secret: str | None
    scope: str | None


Grant = Callable[[AsyncSession, GrantRequest], Awaitable[TokenPair]]
_GRANTS: dict[str, Grant] = {}


def register(grant_type: str, grant: Grant) -> None:
    _GRANTS[grant_type] = grant


def get(grant_type: str) -> Grant | None:
    return _GRANTS.get(grant_type)

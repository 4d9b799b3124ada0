from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.auth.dependencies import AdminUser
from api.database import SessionDep
from api.errors import Forbidden, NotFound, responses
from api.partners import service
from api.partners.schemas import (
    ApiClientCreate,
    ApiClientCredentials,
    ApiClientRead,
    ApiClientUpdate,
    RotationIn,
    UsageRead,
)
from api.validation import Id

router = APIRouter(prefix="/admin/api-clients", tags=["api-clients"])


@router.get("", responses=responses(Forbidden))
async def list_api_clients(session: SessionDep, principal: AdminUser) -> list[ApiClientRead]:
    """Registered API clients, newest first."""
    return [service.client_read(c) for c in await service.list_clients(session)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=responses(Forbidden))
async def create_api_client(session: SessionDep, principal: AdminUser, body: ApiClientCreate) -> ApiClientCredentials:
    """Register a client; its secret is in this answer only."""
    c, secret = await service.create_client(session, body, principal.actor())
    return ApiClientCredentials(client=service.client_read(c), client_id=c.client_id, client_secret=secret)


@router.patch("/{client_pk}", responses=responses(Forbidden, NotFound))
async def update_api_client(session: SessionDep, principal: AdminUser, client_pk: Id,
                            body: ApiClientUpdate) -> ApiClientRead:
    """Change a client's name, contact, scopes or limits, or deactivate it (its tokens stop working)."""
    c = await service.update_client(session, await service.get_client(session, client_pk), body, principal.actor())
    return service.client_read(c)


@router.post("/{client_pk}/secret", responses=responses(Forbidden, NotFound))
async def rotate_api_client_secret(session: SessionDep, principal: AdminUser, client_pk: Id,
                                   body: RotationIn) -> ApiClientCredentials:
    """Issue a new secret; the previous ones keep working for the overlap period."""
    c = await service.get_client(session, client_pk)
    secret, until = await service.rotate_secret(session, c, timedelta(hours=body.overlap_hours), principal.actor())
    return ApiClientCredentials(client=service.client_read(c), client_id=c.client_id, client_secret=secret,
                                previous_secrets_expire_at=until)


@router.get("/{client_pk}/usage", responses=responses(Forbidden, NotFound))
async def api_client_usage(session: SessionDep, principal: AdminUser, client_pk: Id,
                           days: Annotated[int, Query(ge=1, le=90)] = 30) -> UsageRead:
    """Requests and errors per UTC day and per route, over the last `days` days."""
    await service.flush_usage(session)  # this worker's counts so far (the others' within FLUSH_EVERY)
    return await service.usage(session, await service.get_client(session, client_pk), days)

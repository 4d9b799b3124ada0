from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import service
from api.auth.dependencies import CurrentUser, client_ip
from api.auth.schemas import PasswordChangeIn, RefreshIn, RegisterIn, TokenPair, UserRead
from api.auth.views import user_read
from api.database import SessionDep
from api.errors import Conflict, RateLimited, Unauthorized, ValidationFailed, responses

router = APIRouter(prefix="/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])


@router.post("/token", responses=responses(Unauthorized, RateLimited))
async def login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenPair:
    """Exchange a username and password for an access token and a refresh token."""
    return await service.login(session, form.username, form.password, client_ip(request))


@router.post("/refresh", responses=responses(Unauthorized))
async def refresh(session: SessionDep, body: RefreshIn) -> TokenPair:
    """Rotate a refresh token; replaying a used one revokes its whole family."""
    return await service.refresh(session, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: SessionDep, body: RefreshIn) -> None:
    """End the session that the refresh token belongs to."""
    await service.logout(session, body.refresh_token)


@router.get("/me", responses=responses(Unauthorized))
async def me(session: SessionDep, principal: CurrentUser) -> UserRead:
    """The signed-in user with their role grants."""
    user = await service.load_user(session, principal.id)
    assert user is not None
    return user_read(user)


@router.post("/register", status_code=status.HTTP_201_CREATED, responses=responses(Conflict, ValidationFailed))
async def register(session: SessionDep, body: RegisterIn) -> UserRead:
    """Create a public (citizen) account."""
    user = await service.register(session, body)
    loaded = await service.load_user(session, user.id)
    assert loaded is not None
    return user_read(loaded)


@router.post("/password", responses=responses(ValidationFailed))
async def change_password(session: SessionDep, principal: CurrentUser, body: PasswordChangeIn) -> TokenPair:
    """Change one's own password; every session ends and this one continues with new tokens."""
    return await service.change_password(session, principal, body.current_password, body.new_password)


@jwks_router.get("/.well-known/jwks.json")
async def jwks() -> dict[str, list[dict[str, str]]]:
    """Public keys that verify this portal's access tokens."""
    return service.get_keyring().jwks()

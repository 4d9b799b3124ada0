from typing import Annotated

from fastapi import APIRouter, Body, Cookie, Depends, Form, Header, Request, Response, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from api.auth import grants, service
from api.auth.dependencies import BearerToken, PasswordChangingUser, client_ip
from api.auth.exceptions import CsrfCheckFailed
from api.auth.schemas import PasswordChangeIn, RefreshIn, RegisterIn, RegistrationReceived, TokenPair, UserRead
from api.auth.views import user_read
from api.config import Environment, get_settings
from api.database import ReaderDep, SessionDep
from api.errors import Forbidden, RateLimited, Unauthorized, ValidationFailed, responses

router = APIRouter(prefix="/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])

# Cookie delivery of the refresh token (the SPA). A client asks for it with this header on /auth/token,
# /auth/refresh, /auth/password and /auth/logout; the refresh token is then set in an HttpOnly,
# SameSite=Strict cookie (Secure in production) sent only to the refresh and logout paths, and the body's
# refresh_token is null. Without the header (WeChat mini-program, partners) it travels in the body as before.
# The header is also the CSRF check: a refresh or logout whose token comes from the cookie must carry it, which
# a cross-site form cannot do and a cross-origin script cannot do without a CORS preflight we refuse.
DELIVERY_HEADER = "X-Token-Delivery"
COOKIE_NAME = "zw_refresh"
COOKIE_PATHS = ("/api/v1/auth/refresh", "/api/v1/auth/logout")

DeliveryHeader = Annotated[str | None, Header(
    alias=DELIVERY_HEADER, max_length=16,
    description="`cookie`: deliver the refresh token in an HttpOnly cookie instead of the body (browsers)")]
RefreshCookie = Annotated[str | None, Cookie(alias=COOKIE_NAME, max_length=200, include_in_schema=False)]


def _wants_cookie(delivery: str | None) -> bool:
    return (delivery or "").strip().lower() == "cookie"


def _deliver(response: Response, pair: TokenPair, delivery: str | None) -> TokenPair:
    if not _wants_cookie(delivery) or pair.refresh_token is None:
        return pair
    secure = get_settings().env == Environment.production
    for path in COOKIE_PATHS:
        response.set_cookie(COOKIE_NAME, pair.refresh_token, max_age=pair.refresh_expires_in, path=path,
                            secure=secure, httponly=True, samesite="strict")
    return pair.model_copy(update={"refresh_token": None})


def _refresh_token(body: RefreshIn | None, cookie: str | None, delivery: str | None) -> str | None:
    if body is not None and body.refresh_token:
        return body.refresh_token
    if cookie and not _wants_cookie(delivery):
        raise CsrfCheckFailed(f"使用 Cookie 中的刷新令牌时须带请求头 {DELIVERY_HEADER}: cookie")
    return cookie


class TokenForm:
    """RFC 6749's token request: `password` (users; the default) or `client_credentials` (registered API clients,
    authenticated by HTTP Basic or by client_id/client_secret in the form)."""

    def __init__(
        self,
        grant_type: Annotated[str | None, Form(pattern="^(password|client_credentials)$")] = None,
        username: Annotated[str | None, Form(max_length=200)] = None,
        password: Annotated[str | None, Form(max_length=200, json_schema_extra={"format": "password"})] = None,
        scope: Annotated[str, Form(max_length=500)] = "",
        client_id: Annotated[str | None, Form(max_length=100)] = None,
        client_secret: Annotated[str | None, Form(max_length=200, json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type or "password"
        self.username, self.password, self.scope = username, password, scope
        self.client_id, self.client_secret = client_id, client_secret


client_basic = HTTPBasic(auto_error=False, description="client_credentials：client_id 与 client_secret")


async def checked_password(
    request: Request, reader: ReaderDep, form: Annotated[TokenForm, Depends()]
) -> service.CheckedPassword | None:
    if form.grant_type != "password":
        return None
    missing = [{"field": name, "in": "body", "message": "Field required", "type": "missing"}
               for name in ("username", "password") if not getattr(form, name)]
    if missing:
        raise ValidationFailed(missing)
    assert form.username is not None and form.password is not None
    return await service.check_login(reader, form.username, form.password, client_ip(request))


@router.post("/token", responses=responses(Unauthorized, Forbidden, RateLimited))
async def login(
    # Before `session`: FastAPI resolves dependencies in parameter order, and the password must be verified
    # before the session opens the write transaction (tests/auth/test_login.py checks it under a held lock).
    checked: Annotated[service.CheckedPassword | None, Depends(checked_password)],
    form: Annotated[TokenForm, Depends()],
    basic: Annotated[HTTPBasicCredentials | None, Depends(client_basic)],
    request: Request, response: Response, session: SessionDep, delivery: DeliveryHeader = None,
) -> TokenPair:
    """Exchange a username and password for an access token and a refresh token (`grant_type=password`), or a
    registered API client's credentials for an access token carrying its scopes (`grant_type=client_credentials`,
    no refresh token)."""
    if checked is None:
        grant = grants.get(form.grant_type)
        if grant is None:
            raise Unauthorized("不支持的授权类型")
        client_id, secret = (basic.username, basic.password) if basic else (form.client_id, form.client_secret)
        return await grant(session, grants.GrantRequest(client_id, secret, form.scope or None))
    pair = await service.login(session, checked, client_ip(request))
    return _deliver(response, pair, delivery)


@router.post("/refresh", responses=responses(Unauthorized, Forbidden))
async def refresh(
    response: Response, session: SessionDep, body: Annotated[RefreshIn | None, Body()] = None,
    cookie: RefreshCookie = None, delivery: DeliveryHeader = None,
) -> TokenPair:
    """Rotate a refresh token (from the body, or the cookie with `X-Token-Delivery: cookie`); replaying a used one
    revokes its whole family."""
    token = _refresh_token(body, cookie, delivery)
    if not token:
        raise Unauthorized("缺少刷新令牌")
    return _deliver(response, await service.refresh(session, token), delivery)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=responses(Forbidden))
async def logout(
    response: Response, session: SessionDep, access_token: BearerToken,
    body: Annotated[RefreshIn | None, Body()] = None, cookie: RefreshCookie = None, delivery: DeliveryHeader = None,
) -> None:
    """End the session that the refresh token belongs to, and the access token sent with the request."""
    await service.logout(session, _refresh_token(body, cookie, delivery), access_token)
    if cookie is not None:
        for path in COOKIE_PATHS:
            response.delete_cookie(COOKIE_NAME, path=path, httponly=True, samesite="strict",
                                   secure=get_settings().env == Environment.production)


@router.get("/me", responses=responses(Unauthorized))
async def me(session: SessionDep, principal: PasswordChangingUser) -> UserRead:
    """The signed-in user with their role grants."""
    user = await service.load_user(session, principal.id)
    assert user is not None
    return user_read(user)


async def prepared_registration(request: Request, body: RegisterIn) -> service.PreparedRegistration:
    return await service.prepare_registration(body, client_ip(request))


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, responses=responses(ValidationFailed, RateLimited))
async def register(
    # Before `session`, like login's check: the password is hashed outside the write transaction.
    prepared: Annotated[service.PreparedRegistration, Depends(prepared_registration)], session: SessionDep,
) -> RegistrationReceived:
    """Create a public (citizen) account. The answer is the same whether the username was free or taken (it does
    not reveal which accounts exist): sign in with it to find out."""
    await service.register(session, prepared)
    return RegistrationReceived()


@router.post("/password", responses=responses(ValidationFailed))
async def change_password(
    response: Response, session: SessionDep, principal: PasswordChangingUser, body: PasswordChangeIn,
    delivery: DeliveryHeader = None,
) -> TokenPair:
    """Change one's own password; every session ends and this one continues with new tokens."""
    pair = await service.change_password(session, principal, body.current_password, body.new_password)
    return _deliver(response, pair, delivery)


@jwks_router.get("/.well-known/jwks.json")
async def jwks() -> dict[str, list[dict[str, str]]]:
    """Public keys that verify this portal's access tokens."""
    return service.get_keyring().jwks()

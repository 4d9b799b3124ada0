"""API clients: registration, secrets (hashed, rotatable with an overlap), client-credentials tokens, per-client
rate limits and quotas, and usage counts.

A client token is an ES256 JWT from the same key ring as user tokens, with `sub` = "client:<client_id>", the
`client_id` and the granted `scope`. User routes never accept it (their principal lookup wants a numeric
`sub`); the gate (dependencies.client_gate) checks it on every route and lets it through only where the route's
scope (ROUTE_SCOPES) is granted. Usage is counted in process and flushed to `api_client_usage` by a
worker-lifetime task (and before the usage page reads it), so a partner's request costs no extra write.
"""

import asyncio
import hashlib
import secrets
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.audit import service as audit
from api.audit.service import Actor
from api.auth import grants
from api.auth.models import User, UserKind
from api.auth.principal import Principal
from api.auth.schemas import TokenPair
from api.auth.service import get_keyring
from api.auth.tokens import InvalidToken
from api.cases.workflow import register_enum
from api.config import get_settings
from api.database import Reader, begin_write, utcnow
from api.errors import RateLimited
from api.logs import get_logger
from api.partners.exceptions import ClientNotFound, InvalidClient, ScopeRequired
from api.partners.models import SCOPE_LABELS, ApiClient, ApiClientSecret, ApiClientUsage, Scope, scope_list
from api.partners.schemas import ApiClientCreate, ApiClientRead, ApiClientUpdate, UsageRead, UsageRow
from api.ratelimit import get_counter
from api.tasks import BackgroundTask

register_enum("api_scope", SCOPE_LABELS)
log = get_logger("api.partners")

TOKEN_TTL = 3600
CLIENT_ID_PREFIX = "zwc_"

# Which scope a client token needs on which routes (method, path-template prefix). Any other route refuses
# client tokens: they are not a user's.
ROUTE_SCOPES: tuple[tuple[frozenset[str], str, Scope], ...] = (
    (frozenset({"GET", "HEAD"}), "/api/v1/disclosures", Scope.disclosures_read),
    (frozenset({"GET", "HEAD"}), "/api/v1/columns", Scope.disclosures_read),
    (frozenset({"GET", "HEAD"}), "/api/v1/feeds/", Scope.disclosures_read),
    (frozenset({"GET", "HEAD"}), "/api/v1/services", Scope.services_read),
    (frozenset({"GET", "HEAD"}), "/api/v1/mailboxes", Scope.services_read),
    (frozenset({"GET", "HEAD"}), "/api/v1/org-units", Scope.services_read),
    (frozenset({"GET", "HEAD", "POST"}), "/open311/", Scope.open311),
)
# Writes a client makes on a citizen's behalf, by exact path: a prefix would take in the staff's actions below it.
EXACT_SCOPES: dict[tuple[str, str], Scope] = {
    ("POST", "/api/v1/complaints"): Scope.requests_write,
}
OPEN_TO_CLIENTS = ("/api/v1/vocabulary", "/api/v1/health")


def required_scope(method: str, path: str) -> Scope | None:
    exact = EXACT_SCOPES.get((method, path))
    if exact is not None:
        return exact
    for methods, prefix, scope in ROUTE_SCOPES:
        if method in methods and path.startswith(prefix):
            return scope
    return None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(client_id: str) -> str:
    return f"{client_id}.{secrets.token_urlsafe(32)}"


def client_read(c: ApiClient) -> ApiClientRead:
    return ApiClientRead(id=c.id, client_id=c.client_id, name=c.name, owner_contact=c.owner_contact,
                         scopes=[Scope(s) for s in c.scopes], rate_limit_per_minute=c.rate_limit_per_minute,
                         daily_quota=c.daily_quota, is_active=c.is_active, created_at=c.created_at)


async def list_clients(session: AsyncSession) -> list[ApiClient]:
    return list((await session.execute(select(ApiClient).order_by(ApiClient.id.desc()))).scalars())


async def get_client(session: AsyncSession, pk: int) -> ApiClient:
    c = await session.get(ApiClient, pk)
    if c is None:
        raise ClientNotFound()
    return c


async def create_client(session: AsyncSession, data: ApiClientCreate, actor: Actor) -> tuple[ApiClient, str]:
    client_id = CLIENT_ID_PREFIX + secrets.token_hex(8)
    c = ApiClient(client_id=client_id, name=data.name, owner_contact=data.owner_contact,
                  scopes=sorted({str(s) for s in data.scopes}), rate_limit_per_minute=data.rate_limit_per_minute,
                  daily_quota=data.daily_quota, is_active=True, created_by_id=actor.id, created_at=utcnow())
    session.add(c)
    await session.flush()
    secret = _new_secret(client_id)
    session.add(ApiClientSecret(client_pk=c.id, secret_hash=_hash(secret), created_at=utcnow()))
    await session.flush()
    await audit.record(session, actor, "api_client.create", "api_client", c.id,
                       {"client_id": client_id, "name": c.name, "scopes": c.scopes})
    return c, secret


async def update_client(session: AsyncSession, c: ApiClient, data: ApiClientUpdate, actor: Actor) -> ApiClient:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "scopes" in changes:
        changes["scopes"] = sorted({str(s) for s in changes["scopes"]})
    for key, value in changes.items():
        setattr(c, key, value)
    await session.flush()
    _CLIENTS.pop(c.client_id, None)
    await audit.record(session, actor, "api_client.update", "api_client", c.id, changes)
    return c


async def rotate_secret(session: AsyncSession, c: ApiClient, overlap: timedelta, actor: Actor
                        ) -> tuple[str, datetime]:
    """A new secret; the current ones keep working for `overlap` (never longer than they would have)."""
    now = utcnow()
    until = now + overlap
    await session.execute(update(ApiClientSecret).where(
        ApiClientSecret.client_pk == c.id, or_(ApiClientSecret.expires_at.is_(None), ApiClientSecret.expires_at > until)
    ).values(expires_at=until))
    secret = _new_secret(c.client_id)
    session.add(ApiClientSecret(client_pk=c.id, secret_hash=_hash(secret), created_at=now))
    await session.flush()
    await audit.record(session, actor, "api_client.rotate_secret", "api_client", c.id,
                       {"overlap_seconds": int(overlap.total_seconds())})
    return secret, until


async def authenticate(session: AsyncSession, client_id: str | None, secret: str | None) -> ApiClient:
    """The active client whose id and live secret these are, or InvalidClient (one answer for every failure)."""
    if not client_id or not secret:
        raise InvalidClient("缺少 client_id 或 client_secret")
    now = utcnow()
    row = (await session.execute(
        select(ApiClient).join(ApiClientSecret, ApiClientSecret.client_pk == ApiClient.id)
        .where(ApiClient.client_id == client_id, ApiClient.is_active.is_(True),
               ApiClientSecret.secret_hash == _hash(secret),
               or_(ApiClientSecret.expires_at.is_(None), ApiClientSecret.expires_at > now)))).scalar_one_or_none()
    if row is None:
        raise InvalidClient("client_id 或 client_secret 不正确，或客户端已停用")
    return row


async def client_for_api_key(session: AsyncSession, api_key: str | None) -> ApiClient:
    """Open311's api_key is a client secret (it names its client before the dot)."""
    client_id = (api_key or "").split(".", 1)[0]
    return await authenticate(session, client_id, api_key)


def issue_token(c: ApiClient, requested: str | None) -> TokenPair:
    granted = set(c.scopes)
    wanted = set((requested or "").split()) or granted
    unknown = wanted - granted
    if unknown:
        raise ScopeRequired(" ".join(sorted(unknown)))
    s = get_settings()
    now = int(time.time())
    scope = " ".join(sorted(wanted))
    token = get_keyring().encode({
        "sub": f"client:{c.client_id}", "client_id": c.client_id, "scope": scope, "kind": "client",
        "iss": s.jwt_issuer, "aud": s.jwt_audience, "iat": now, "nbf": now - 5, "exp": now + TOKEN_TTL,
        "jti": uuid.uuid4().hex,
    })
    return TokenPair(access_token=token, expires_in=TOKEN_TTL, refresh_token=None, refresh_expires_in=0,
                     scope=scope)


async def _client_credentials(session: AsyncSession, form: grants.GrantRequest) -> TokenPair:
    c = await authenticate(session, form.client_id, form.client_secret)
    return issue_token(c, form.scope)


grants.register("client_credentials", _client_credentials)


@dataclass(frozen=True)
class ClientContext:
    pk: int
    client_id: str
    scopes: frozenset[str]
    rate_limit_per_minute: int
    daily_quota: int
    name: str = ""


# Active clients by client_id, for a few seconds: a deactivation or a limit change takes effect within CACHE_TTL
# (and at once in the worker that made it).
CACHE_TTL = 5.0
_CLIENTS: dict[str, tuple[float, ClientContext | None]] = {}


async def _load(reader: Reader, client_id: str) -> ClientContext | None:
    hit = _CLIENTS.get(client_id)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    row = await reader.first(select(ApiClient.id, ApiClient.scopes, ApiClient.rate_limit_per_minute,
                                    ApiClient.daily_quota, ApiClient.is_active, ApiClient.name)
                             .where(ApiClient.client_id == client_id), quick=True)
    ctx = None
    if row is not None and row.is_active:
        ctx = ClientContext(row.id, client_id, frozenset(scope_list(row.scopes)), row.rate_limit_per_minute,
                            row.daily_quota, row.name)
    _CLIENTS[client_id] = (time.monotonic() + CACHE_TTL, ctx)
    return ctx


def forget_cached_clients() -> None:
    _CLIENTS.clear()
    _usage.clear()


async def client_from_token(reader: Reader, token: str) -> tuple[ClientContext, frozenset[str]]:
    """The client and the token's scopes, or InvalidClient."""
    s = get_settings()
    try:
        claims = get_keyring().decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)
    except InvalidToken as exc:
        raise InvalidClient("访问令牌无效或已过期") from exc
    client_id = claims.get("client_id")
    ctx = await _load(reader, client_id) if isinstance(client_id, str) else None
    if ctx is None:
        raise InvalidClient("客户端不存在或已停用")
    # A scope removed from the client since the token was issued is no longer granted.
    return ctx, frozenset(str(claims.get("scope", "")).split()) & ctx.scopes


def context_of(c: ApiClient) -> ClientContext:
    return ClientContext(c.id, c.client_id, frozenset(c.scopes), c.rate_limit_per_minute, c.daily_quota, c.name)


# ---- rate limits and quotas (IETF draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy and RateLimit) ----

@dataclass(frozen=True)
class Limits:
    minute_limit: int
    minute_remaining: int
    minute_reset: int
    day_limit: int
    day_remaining: int
    day_reset: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Policy": f'"minute";q={self.minute_limit};w=60, "day";q={self.day_limit};w=86400',
            "RateLimit": f'"minute";r={self.minute_remaining};t={self.minute_reset}, '
                         f'"day";r={self.day_remaining};t={self.day_reset}',
        }


class ClientRateLimited(RateLimited):
    code = "client_rate_limited"

    def __init__(self, limits: Limits, retry_after: int, detail: str) -> None:
        super().__init__(retry_after, detail)
        self.limits = limits

    def headers(self) -> dict[str, str]:
        return {**super().headers(), **self.limits.headers()}


async def check_limits(ctx: ClientContext, now: datetime | None = None) -> Limits:
    """Count one request against the client's per-minute limit and its UTC-day quota (Redis when configured,
    so all workers share them); ClientRateLimited when either is spent."""
    now = now or datetime.now(UTC)
    counter = get_counter()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    to_midnight = max(1, int((midnight - now).total_seconds()))
    minute, minute_ttl = await counter.incr(f"client:{ctx.pk}:minute", 60)
    day, _ = await counter.incr(f"client:{ctx.pk}:day:{now:%Y%m%d}", to_midnight)
    limits = Limits(ctx.rate_limit_per_minute, max(0, ctx.rate_limit_per_minute - minute), minute_ttl,
                    ctx.daily_quota, max(0, ctx.daily_quota - day), to_midnight)
    if day > ctx.daily_quota:
        raise ClientRateLimited(limits, to_midnight, f"今日调用额度（{ctx.daily_quota} 次）已用完")
    if minute > ctx.rate_limit_per_minute:
        raise ClientRateLimited(limits, minute_ttl, f"每分钟最多调用 {ctx.rate_limit_per_minute} 次")
    return limits


# ---- usage -------------------------------------------------------------------------------------------

_usage: dict[tuple[int, date, str], list[int]] = defaultdict(lambda: [0, 0])


def record_usage(client_pk: int, endpoint: str, status: int, at: datetime | None = None) -> None:
    row = _usage[(client_pk, (at or datetime.now(UTC)).date(), endpoint[:200])]
    row[0] += 1
    if status >= 400:
        row[1] += 1


async def flush_usage(session: AsyncSession) -> int:
    """Add the counts gathered in this process to the table (an upsert per row)."""
    if not _usage:
        return 0
    await begin_write(session)  # an upsert after a read: take the write lock first (SQLite)
    pending = list(_usage.items())
    _usage.clear()
    known = set((await session.execute(select(ApiClient.id).where(
        ApiClient.id.in_({pk for (pk, _, _), _ in pending})))).scalars())
    pending = [item for item in pending if item[0][0] in known]  # a client deleted meanwhile is dropped
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for (pk, day, endpoint), (requests, errors) in pending:
        stmt = insert(ApiClientUsage).values(client_pk=pk, day=day, endpoint=endpoint, requests=requests,
                                             errors=errors)
        stmt = stmt.on_conflict_do_update(
            index_elements=["client_pk", "day", "endpoint"],
            set_={"requests": ApiClientUsage.requests + requests, "errors": ApiClientUsage.errors + errors})
        await session.execute(stmt)
    return len(pending)


async def usage(session: AsyncSession, c: ApiClient, days: int, today: date | None = None) -> UsageRead:
    await flush_usage(session)
    today = today or datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    rows = (await session.execute(select(ApiClientUsage).where(
        ApiClientUsage.client_pk == c.id, ApiClientUsage.day >= first)
        .order_by(ApiClientUsage.day, ApiClientUsage.endpoint))).scalars().all()
    span = [first + timedelta(days=i) for i in range(days)]
    per_day = {d: [0, 0] for d in span}
    for r in rows:
        per_day[r.day][0] += r.requests
        per_day[r.day][1] += r.errors
    return UsageRead(client_id=c.client_id, days=span, requests_per_day=[per_day[d][0] for d in span],
                     errors_per_day=[per_day[d][1] for d in span],
                     rows=[UsageRow(day=r.day, endpoint=r.endpoint, requests=r.requests, errors=r.errors)
                           for r in rows])


FLUSH_EVERY = 15.0
usage_flusher = BackgroundTask("api-client-usage")


async def run_usage_flusher(sessionmaker: async_sessionmaker[AsyncSession], every: float = FLUSH_EVERY) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with sessionmaker() as session:
                await flush_usage(session)
                await session.commit()
        except Exception:  # a failed flush must not end the task; it is logged
            log.exception("usage flush failed")


def usage_scope_of(scope: dict[str, Any]) -> Any:
    return scope.get("state", {}).get(STATE_KEY)


STATE_KEY = "api_client"


@dataclass
class Usage:
    """What the gate learned about a client's request, for the middleware: who, which route, the limits."""

    client: ClientContext
    endpoint: str
    limits: Limits | None = None



async def service_principal(session: AsyncSession, c: ApiClient) -> Principal:
    """The account a client's filings are made under (an application needs an applicant). It cannot sign in:
    inactive, with no password that any input hashes to."""
    username = f"client:{c.client_id}"
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    if user is None:
        user = User(username=username, display_name=f"{c.name}（接入客户端）", kind=UserKind.public,
                    password_hash="!client-account", is_active=False)  # noqa: S106 - unusable on purpose
        session.add(user)
        await session.flush()
    return Principal(id=user.id, username=user.username, display_name=user.display_name, kind=UserKind.public,
                     org_unit_id=None, org_unit_path=None)

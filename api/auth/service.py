"""Login, token issue/rotation/revocation, and loading the caller for each request."""

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, RefreshToken, RevokedAccessToken, Role, RoleGrant, User, UserKind
from api.auth.passwords import hash_password, needs_rehash, policy_problems, verify_password
from api.auth.principal import Grant, Principal
from api.auth.schemas import RegisterIn, TokenPair
from api.auth.tokens import InvalidToken, KeyRing
from api.config import Environment, get_settings
from api.database import Reader, utcnow
from api.errors import Conflict, RateLimited, Unauthorized, ValidationFailed
from api.ratelimit import get_counter

# Login throttling (README, Security): nothing an attacker does from other IPs can lock an account out.
# - per IP: IP_LIMIT failures in WINDOW throttle that IP, whatever account it tries;
# - per (account, IP): PAIR_LIMIT failures throttle that IP for that account;
# - per account: ACCOUNT_LIMIT failures in WINDOW mark the account as under attack. Then an IP that has
#   never signed in to it gets UNDER_ATTACK_PAIR_LIMIT failure (one guess) per WINDOW instead of
#   PAIR_LIMIT, and an IP that has signed in before keeps PAIR_LIMIT. It slows guessing from rotating IPs
#   five-fold and never refuses a first attempt: the real user, from anywhere, can always try.
PAIR_LIMIT, IP_LIMIT, ACCOUNT_LIMIT = 5, 30, 50
UNDER_ATTACK_PAIR_LIMIT = 1
WINDOW = 15 * 60
KNOWN_IP_TTL = 90 * 24 * 3600
# Registration: each attempt counts (success or not), per IP.
REGISTER_LIMIT, REGISTER_WINDOW = 10, 3600


class RefreshTokenReused(Unauthorized):
    """The family's revocation must be committed although the request fails."""

    keep_changes = True


@lru_cache
def get_keyring() -> KeyRing:
    s = get_settings()
    if s.signing_key_file is not None:
        return KeyRing.from_files(s.signing_key_file, s.previous_public_key_files)
    if s.env == Environment.production:
        raise RuntimeError("PORTAL_SIGNING_KEY_FILE is required in production")
    max_age = timedelta(seconds=s.access_token_ttl_seconds + 60)
    return KeyRing.development(s.var_dir / "keys", max_age)


def _hash_refresh(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(user: User) -> str:
    s = get_settings()
    now = int(time.time())
    claims = {
        "sub": str(user.id),
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "iat": now,
        "nbf": now - 5,
        "exp": now + s.access_token_ttl_seconds,
        "jti": uuid.uuid4().hex,
        "ver": user.token_version,
        "name": user.display_name,
        "kind": str(user.kind),
    }
    if user.must_change_password:
        claims["pwd_change"] = True
    return get_keyring().encode(claims)


async def _issue_pair(session: AsyncSession, user: User, family_id: str | None = None) -> TokenPair:
    s = get_settings()
    refresh = secrets.token_urlsafe(32)
    session.add(RefreshToken(
        user_id=user.id,
        family_id=family_id or str(uuid.uuid4()),
        token_hash=_hash_refresh(refresh),
        expires_at=utcnow() + timedelta(seconds=s.refresh_token_ttl_seconds),
    ))
    await session.flush()
    return TokenPair(access_token=issue_access_token(user), expires_in=s.access_token_ttl_seconds,
                     refresh_token=refresh, refresh_expires_in=s.refresh_token_ttl_seconds)


async def _check_throttle(username: str, ip: str) -> None:
    counter = get_counter()
    count, ttl = await counter.get(f"login:ip:{ip}")
    if count >= IP_LIMIT:
        raise RateLimited(ttl, "登录失败次数过多，请稍后再试")
    pair, pair_ttl = await counter.get(f"login:pair:{username}:{ip}")
    if pair >= PAIR_LIMIT:
        raise RateLimited(pair_ttl, "登录失败次数过多，请稍后再试")
    if pair >= UNDER_ATTACK_PAIR_LIMIT:
        attacked, _ = await counter.get(f"login:acct:{username}")
        if attacked >= ACCOUNT_LIMIT:
            known, _ = await counter.get(f"login:known:{username}:{ip}")
            if not known:
                raise RateLimited(pair_ttl, "该账号近期登录失败次数过多，请稍后再试")


async def _record_failure(username: str, ip: str) -> None:
    counter = get_counter()
    for key in (f"login:ip:{ip}", f"login:pair:{username}:{ip}", f"login:acct:{username}"):
        await counter.incr(key, WINDOW)


@dataclass(frozen=True)
class CheckedPassword:
    """A login whose password was verified against `password_hash`, before any write transaction."""

    user_id: int
    username: str
    password_hash: str
    password: str


async def check_login(reader: Reader, username: str, password: str, ip: str) -> CheckedPassword:
    """Throttle, read the hash and verify it (argon2, in a worker thread) outside the request's write transaction.

    On SQLite a writer holds the database lock from its first statement: verifying in there made every login hold
    it for the whole hash, and a flood of wrong passwords queued every other writer. A failed login here never
    opens a write transaction at all."""
    username = username.strip().lower()
    await _check_throttle(username, ip)
    row = await reader.first(_LOGIN_ROW, {"username": username}, quick=True)
    ok = await verify_password(row.password_hash if row else None, password)
    if row is None or not ok or not row.is_active:
        await _record_failure(username, ip)
        raise Unauthorized("用户名或密码错误")
    return CheckedPassword(row.id, username, row.password_hash, password)


_LOGIN_ROW = (select(User.id, User.password_hash, User.is_active)
              .where(User.username == bindparam("username")))


async def sign_in(session: AsyncSession, user: User, method: str) -> TokenPair:
    """Issue a token pair for a user another kernel authenticated (the WeChat mini-program), audited as a
    login with its method."""
    if not user.is_active:
        raise Unauthorized("账号已停用")
    pair = await _issue_pair(session, user)
    await audit.record(session, Actor(user.id, user.display_name, str(user.kind)), "auth.login", "user", user.id,
                       {"method": method})
    return pair


async def login(session: AsyncSession, checked: CheckedPassword, ip: str) -> TokenPair:
    """Issue the pair for a login `check_login` accepted, unless the account changed in between."""
    user = await session.get(User, checked.user_id)
    if user is None or not user.is_active or user.password_hash != checked.password_hash:
        raise Unauthorized("用户名或密码错误")
    counter = get_counter()
    await counter.delete(f"login:pair:{checked.username}:{ip}")
    await counter.set_flag(f"login:known:{checked.username}:{ip}", KNOWN_IP_TTL)
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(checked.password)
    pair = await _issue_pair(session, user)
    await audit.record(session, Actor(user.id, user.display_name, str(user.kind)), "auth.login", "user", user.id)
    return pair


async def refresh(session: AsyncSession, token: str) -> TokenPair:
    row = (await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == _hash_refresh(token))
    )).scalar_one_or_none()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("刷新令牌无效或已过期")
    if row.used_at is not None:
        await _revoke_family(session, row.family_id, now)
        await audit.record(session, Actor(row.user_id, "?", None), "auth.refresh_replayed", "user", row.user_id,
                           {"family_id": row.family_id})
        raise RefreshTokenReused("刷新令牌已被使用，该登录会话已全部注销")
    # Only one concurrent use of the same token can mark it used.
    claimed = await session.execute(
        update(RefreshToken).where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await _revoke_family(session, row.family_id, now)
        raise RefreshTokenReused("刷新令牌已被使用，该登录会话已全部注销")
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("账号已停用")
    return await _issue_pair(session, user, row.family_id)


async def _revoke_family(session: AsyncSession, family_id: str, now: object) -> None:
    await session.execute(
        update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def logout(session: AsyncSession, refresh_token: str | None, access_token: str | None) -> None:
    """Revoke the refresh token's whole family and deny the access token until it expires.
    Works with an expired access token, or none, too."""
    now = utcnow()
    if access_token:
        await revoke_access_token(session, access_token)
    if not refresh_token:
        return
    row = (await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == _hash_refresh(refresh_token))
    )).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return
    await _revoke_family(session, row.family_id, now)
    await audit.record(session, Actor(row.user_id, "?", None), "auth.logout", "user", row.user_id)


async def revoke_access_token(session: AsyncSession, token: str) -> None:
    """Add the token's jti to the denylist until its exp; a token that does not verify needs no entry."""
    s = get_settings()
    try:
        claims = get_keyring().decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)
        jti, user_id = str(claims["jti"])[:64], int(claims["sub"])
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    except (InvalidToken, KeyError, ValueError, OverflowError, OSError):
        return
    now = utcnow()
    # Entries are useless once their token has expired; each logout sweeps those.
    await session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at <= now))
    if expires_at <= now:
        return
    try:
        async with session.begin_nested():
            session.add(RevokedAccessToken(jti=jti, user_id=user_id, expires_at=expires_at))
    except IntegrityError:
        pass  # already revoked (a repeated logout)


async def revoke_all(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def principal_from_token(session: AsyncSession, token: str) -> Principal | None:
    """The user the token was issued to; None for a registered API client's token (client_credentials): it is
    nobody's, so the route sees an anonymous caller (api/partners checks the client and its scopes)."""
    s = get_settings()
    try:
        claims = get_keyring().decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)
        if claims.get("kind") == "client":
            return None
        user_id = int(claims["sub"])
    except (InvalidToken, ValueError) as exc:
        raise Unauthorized("访问令牌无效或已过期") from exc
    # Every authenticated request runs this: one statement on the connection, plain rows, no ORM objects.
    # The logout denylist rides on it (a primary-key probe), so revocation costs no extra round trip.
    params = {"user_id": user_id, "jti": str(claims.get("jti", ""))[:64]}
    rows = (await (await session.connection()).execute(_PRINCIPAL_ROWS, params)).all()
    if not rows or not rows[0].is_active or claims.get("ver") != rows[0].token_version or rows[0].revoked:
        raise Unauthorized("访问令牌已失效，请重新登录")
    u = rows[0]
    return Principal(
        id=u.id, username=u.username, display_name=u.display_name, kind=UserKind(u.kind),
        org_unit_id=u.org_unit_id, org_unit_path=u.unit_path,
        grants=tuple(Grant(Role(r.role), r.grant_unit_id, r.grant_unit_path) for r in rows if r.role is not None),
        password_change_required=claims.get("pwd_change") is True or bool(u.must_change_password),
    )


def _principal_rows() -> Any:
    unit, grant_unit = aliased(OrgUnit), aliased(OrgUnit)
    revoked = exists().where(RevokedAccessToken.jti == bindparam("jti")).label("revoked")
    return (select(User.id, User.username, User.display_name, User.kind, User.org_unit_id, User.is_active,
                   User.token_version, User.must_change_password, unit.path.label("unit_path"), RoleGrant.role,
                   RoleGrant.org_unit_id.label("grant_unit_id"), grant_unit.path.label("grant_unit_path"),
                   revoked)
            .outerjoin(unit, unit.id == User.org_unit_id)
            .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
            .outerjoin(grant_unit, grant_unit.id == RoleGrant.org_unit_id)
            .where(User.id == bindparam("user_id"))
            .order_by(RoleGrant.id))


_PRINCIPAL_ROWS = _principal_rows()


def to_principal(user: User) -> Principal:
    return Principal(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        kind=UserKind(user.kind),
        org_unit_id=user.org_unit_id,
        org_unit_path=user.org_unit.path if user.org_unit else None,
        grants=tuple(Grant(Role(g.role), g.org_unit_id, g.org_unit.path) for g in user.grants),
    )


def check_password_policy(password: str, username: str | None, field: str = "password",
                          extra_inputs: tuple[str, ...] = ()) -> None:
    problems = policy_problems(password, username, extra_inputs)
    if problems:
        raise ValidationFailed([{"field": field, "in": "body", "message": p, "type": "password_policy"}
                                for p in problems])


async def ensure_username_free(session: AsyncSession, username: str) -> None:
    if (await session.execute(select(User.id).where(User.username == username))).first():
        raise Conflict("用户名已被使用", field="username")


@dataclass(frozen=True)
class PreparedRegistration:
    data: RegisterIn
    username: str
    password_hash: str


async def prepare_registration(data: RegisterIn, ip: str) -> PreparedRegistration:
    """Rate limit, password policy and the (slow) hash: before the request's write transaction, and the same for a
    free and a taken name."""
    count, ttl = await get_counter().incr(f"register:ip:{ip}", REGISTER_WINDOW)
    if count > REGISTER_LIMIT:
        raise RateLimited(ttl, "注册过于频繁，请稍后再试")
    username = data.username.lower()
    check_password_policy(data.password, username, extra_inputs=(data.display_name,))
    return PreparedRegistration(data, username, await hash_password(data.password))


async def register(session: AsyncSession, prepared: PreparedRegistration) -> None:
    """Create a citizen account, or do nothing if the name is taken: the caller cannot tell which (both paths
    write one audit record and answer alike)."""
    data, username = prepared.data, prepared.username
    taken = (await session.execute(select(User.id).where(User.username == username))).scalar_one_or_none()
    if taken is None:
        user = User(username=username, display_name=data.display_name, kind=UserKind.public,
                    email=data.email, phone=data.phone, password_hash=prepared.password_hash)
        try:
            async with session.begin_nested():
                session.add(user)
        except IntegrityError:  # registered by a concurrent request a moment ago
            taken = (await session.execute(select(User.id).where(User.username == username))).scalar_one()
        else:
            await audit.record(session, Actor(user.id, user.display_name, "public"), "user.register", "user",
                               user.id, {"username": username})
            return
    await audit.record(session, Actor(None, data.display_name, "public"), "user.register_taken", "user", taken,
                       {"username": username})


async def change_password(session: AsyncSession, principal: Principal, current: str, new: str) -> TokenPair:
    """Every session of the user ends; the caller gets a fresh one."""
    user = await session.get(User, principal.id)
    assert user is not None
    if not await verify_password(user.password_hash, current):
        raise ValidationFailed([{"field": "current_password", "in": "body", "message": "当前密码不正确",
                                 "type": "wrong_password"}])
    check_password_policy(new, user.username, "new_password", (user.display_name,))
    if new == current:
        raise ValidationFailed([{"field": "new_password", "in": "body", "message": "新密码不能与当前密码相同",
                                 "type": "password_policy"}])
    user.password_hash = await hash_password(new)
    user.must_change_password = False
    user.token_version += 1
    await revoke_all(session, user.id)
    await audit.record(session, principal.actor(), "user.change_password", "user", user.id)
    return await _issue_pair(session, user)


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    return (await session.execute(
        select(User).where(User.id == user_id)
        .options(selectinload(User.grants).selectinload(RoleGrant.org_unit), selectinload(User.org_unit))
    )).scalar_one_or_none()

"""Mini-program accounts (sign-in, bind, unbind, verified phone), subscribe-message templates and credits, and
the content check. Services never commit."""

import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import SYSTEM, Actor
from api.auth import owners
from api.auth import service as auth
from api.auth.models import User, UserKind
from api.auth.passwords import hash_password
from api.auth.principal import Principal
from api.auth.schemas import WECHAT_USERNAME_PREFIX, TokenPair
from api.config import get_settings
from api.database import utcnow
from api.errors import RateLimited
from api.ratelimit import get_counter
from api.wechat import client
from api.wechat.exceptions import (
    BindingCodeInvalid,
    ContentRisky,
    PhoneInvalid,
    WechatAlreadyBound,
    WechatDisabled,
    WechatError,
    WechatNotBound,
    problem_for,
)
from api.wechat.models import BindingCode, SubscribeCredit, SubscribeTemplate, WechatAccount

SHANGHAI = timezone(timedelta(hours=8))


def _require_enabled() -> None:
    if not client.enabled():
        raise WechatDisabled()


async def _session_for(code: str) -> client.Session:
    _require_enabled()
    try:
        return await client.code2session(code)
    except WechatError as exc:
        raise problem_for(exc) from exc


async def _account(session: AsyncSession, wx: client.Session) -> WechatAccount | None:
    found = (await session.execute(select(WechatAccount).where(WechatAccount.openid == wx.openid)))
    account = found.scalar_one_or_none()
    if account is None and wx.unionid:
        found = await session.execute(select(WechatAccount).where(WechatAccount.unionid == wx.unionid).limit(1))
        account = found.scalar_one_or_none()
    return account


async def sign_in(session: AsyncSession, code: str) -> TokenPair:
    """code → code2Session → the citizen bound to the openid (or unionid), created on first sign-in → our tokens."""
    wx = await _session_for(code)
    account = await _account(session, wx)
    if account is None:
        user = User(username=f"{WECHAT_USERNAME_PREFIX}{secrets.token_hex(8)}", display_name="微信用户",
                    kind=UserKind.public, password_hash=await hash_password(secrets.token_urlsafe(32)))  # no password
        session.add(user)
        await session.flush()
        account = WechatAccount(user_id=user.id, openid=wx.openid, unionid=wx.unionid)
        try:
            async with session.begin_nested():
                session.add(account)
        except IntegrityError:  # the same openid signed in concurrently: use that account
            await session.delete(user)
            account = await _account(session, wx)
            if account is None:
                raise
        else:
            await audit.record(session, Actor(user.id, user.display_name, "public"), "user.register", "user",
                               user.id, {"method": "wechat"})
    elif wx.unionid and account.unionid is None:
        account.unionid = wx.unionid
    user_row = await session.get(User, account.user_id)
    if user_row is None:
        raise WechatNotBound()
    return await auth.sign_in(session, user_row, "wechat")


async def binding(session: AsyncSession, user_id: int) -> WechatAccount | None:
    return (await session.execute(select(WechatAccount).where(WechatAccount.user_id == user_id))).scalar_one_or_none()


async def bind(session: AsyncSession, principal: Principal, code: str) -> WechatAccount:
    """Bind the WeChat of `code` to the signed-in user (replacing their previous binding)."""
    wx = await _session_for(code)
    other = await _account(session, wx)
    if other is not None and other.user_id != principal.id:
        raise WechatAlreadyBound()
    if other is not None:
        return other
    await session.execute(delete(WechatAccount).where(WechatAccount.user_id == principal.id))
    account = WechatAccount(user_id=principal.id, openid=wx.openid, unionid=wx.unionid)
    session.add(account)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise WechatAlreadyBound() from exc
    await audit.record(session, principal.actor(), "wechat.bind", "user", principal.id)
    return account


async def unbind(session: AsyncSession, principal: Principal) -> None:
    account = await binding(session, principal.id)
    if account is None:
        raise WechatNotBound()
    await session.delete(account)
    await session.execute(delete(SubscribeCredit).where(SubscribeCredit.user_id == principal.id))
    await audit.record(session, principal.actor(), "wechat.unbind", "user", principal.id)
    await session.flush()


# --- binding from the website: a one-time code the mini-program confirms --------------------------------------------

BINDING_CODE_TTL = timedelta(minutes=5)
BINDING_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a screen and typed
BINDING_CODE_LENGTH = 8  # 40 bits; with the confirm limit below, guessing a live code is hopeless
CODE_LIMIT, CONFIRM_LIMIT, LIMIT_WINDOW = 5, 10, 600  # per user, per 10 minutes


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def _limit(key: str, limit: int, message: str) -> None:
    count, ttl = await get_counter().incr(key, LIMIT_WINDOW)
    if count > limit:
        raise RateLimited(ttl, message)


def binding_page(code: str) -> str:
    return f"{get_settings().wechat_bind_page}?code={code}"


async def new_binding_code(session: AsyncSession, principal: Principal) -> tuple[str, BindingCode]:
    """A new one-time binding code for the signed-in user (any earlier unused one stops working)."""
    _require_enabled()
    await _limit(f"wechat:bindcode:{principal.id}", CODE_LIMIT, "获取绑定码过于频繁，请稍后再试")
    now = utcnow()
    await session.execute(update(BindingCode).where(BindingCode.user_id == principal.id,
                                                    BindingCode.used_at.is_(None)).values(used_at=now))
    await session.execute(delete(BindingCode).where(BindingCode.expires_at < now - timedelta(days=1)))
    code = "".join(secrets.choice(BINDING_CODE_ALPHABET) for _ in range(BINDING_CODE_LENGTH))
    row = BindingCode(user_id=principal.id, code_hash=_code_hash(code), expires_at=now + BINDING_CODE_TTL,
                      created_at=now)
    session.add(row)
    await audit.record(session, principal.actor(), "wechat.binding_code", "user", principal.id,
                       {"expires_at": row.expires_at.isoformat()})
    await session.flush()
    return code, row


async def confirm_binding_code(session: AsyncSession, principal: Principal, code: str) -> TokenPair:
    """The mini-program, signed in with WeChat (POST /auth/wechat), confirms a code shown on the website: its
    WeChat is bound to the code's account from now on, and the answer is that account's tokens, so the
    mini-program goes on as the website user. When the WeChat was signed in to an account our first WeChat
    sign-in made (no password, reachable by that WeChat only), that account is folded into the website account:
    what it owns (letters, applications, requests, ratings, messages; api.auth.owners) moves over, and it is
    closed. An account with a password of its own stays as it was. A code works once and for 5 minutes."""
    _require_enabled()
    await _limit(f"wechat:bindconfirm:{principal.id}", CONFIRM_LIMIT, "绑定尝试过于频繁，请稍后再试")
    account = await binding(session, principal.id)
    if account is None:
        raise WechatNotBound("请在小程序中使用微信登录后再绑定")
    now = utcnow()
    row = (await session.execute(select(BindingCode).where(BindingCode.code_hash == _code_hash(code))
                                 .with_for_update())).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise BindingCodeInvalid()
    claimed = await session.execute(update(BindingCode).where(BindingCode.id == row.id, BindingCode.used_at.is_(None))
                                    .values(used_at=now))
    if not getattr(claimed, "rowcount", 0):  # another confirmation took it first
        raise BindingCodeInvalid()
    target = await session.get(User, row.user_id)
    if target is None or not target.is_active:
        raise BindingCodeInvalid()
    moved: dict[str, int] | None = None
    if account.user_id != target.id:
        former = await session.get(User, account.user_id)
        await session.execute(delete(SubscribeCredit).where(SubscribeCredit.user_id == account.user_id))
        await session.execute(delete(WechatAccount).where(WechatAccount.user_id == target.id))  # a former binding
        account.user_id = target.id
        account.created_at = now
        await session.flush()
        if former is not None and made_by_wechat_sign_in(former):
            moved = await owners.move_owned(session, former.id, target.id)
            former.is_active = False
            await auth.revoke_all(session, former.id)
            await audit.record(session, SYSTEM, "user.merge", "user", former.id,
                               {"into_user": target.id, "moved": moved, "method": "wechat_binding_code"})
    await audit.record(session, Actor(target.id, target.display_name, str(target.kind)), "wechat.bind", "user",
                       target.id, {"method": "binding_code", "from_user": principal.id,
                                   "merged": moved is not None})
    return await auth.sign_in(session, target, "wechat")


def made_by_wechat_sign_in(user: User) -> bool:
    """An account sign_in made for a new WeChat user: public, its generated name, no password anyone knows."""
    return user.kind == UserKind.public and user.username.startswith(WECHAT_USERNAME_PREFIX)


async def verify_phone(session: AsyncSession, principal: Principal, code: str) -> str:
    """The phone number WeChat verified for the button's code becomes the user's phone."""
    _require_enabled()
    try:
        phone = await client.phone_number(session, code)
    except WechatError as exc:
        if exc.errcode is None or exc.errcode == 40029:
            raise PhoneInvalid() from exc
        raise problem_for(exc) from exc
    user = await session.get(User, principal.id)
    if user is None or not phone:
        raise PhoneInvalid()
    user.phone = phone
    await audit.record(session, principal.actor(), "wechat.phone", "user", principal.id)
    await session.flush()
    return phone


# --- subscribe messages ------------------------------------------------------------------------------------------

async def add_credits(session: AsyncSession, user_id: int, results: Mapping[str, str]) -> dict[str, int]:
    """Record a wx.requestSubscribeMessage result ({template_id: "accept" | "reject" | "ban" | "filter"}): one
    one-time credit per accepted template. Returns the credits left per template afterwards."""
    if await binding(session, user_id) is None:
        raise WechatNotBound()
    for template_id, answer in results.items():
        if answer != "accept":
            continue
        changed = await session.execute(update(SubscribeCredit).where(
            SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == template_id)
            .values(credits=SubscribeCredit.credits + 1, updated_at=utcnow()))
        if not getattr(changed, "rowcount", 0):
            session.add(SubscribeCredit(user_id=user_id, template_id=template_id, credits=1, updated_at=utcnow()))
            await session.flush()
    return await credits(session, user_id)


async def credits(session: AsyncSession, user_id: int) -> dict[str, int]:
    rows = await session.execute(select(SubscribeCredit.template_id, SubscribeCredit.credits)
                                 .where(SubscribeCredit.user_id == user_id).order_by(SubscribeCredit.template_id))
    return {t: c for t, c in rows.all()}


class NothingToSend(Exception):
    """No binding, no template for the event, or no credit left: the delivery is skipped."""


_KEY_KIND = re.compile(r"^([a-z_]+?)\d*$")
LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phone_number": 17,
          "car_number": 8, "name": 10, "phrase": 5}


def field_value(key: str, value: Any) -> str:
    """A value shaped to the limits of its template key's type (the key's name before its number): thing ≤ 20
    characters, character_string ≤ 32 (letters, digits and symbols only), time "2026年12月03日 14:05", date
    "2026年12月03日", and so on."""
    match = _KEY_KIND.match(key)
    kind = match.group(1) if match else key
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI)
        return local.strftime("%Y年%m月%d日" if kind == "date" else "%Y年%m月%d日 %H:%M")
    text = "" if value is None else str(value)
    if kind == "character_string":
        text = re.sub(r"[^0-9A-Za-z_\-.:/#@]", "", text)
    elif kind in ("number", "amount"):
        text = re.sub(r"[^0-9.]", "", text)
    limit = LIMITS.get(kind)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…" if kind in ("thing", "name") else text[:limit]
    return text


SOURCES = ("title", "body", "created_at", "object_id")


async def send_subscribe_message(session: AsyncSession, user_id: int, event: str, values: dict[str, Any]) -> None:
    """Send the event's subscribe message to the user with one of their credits. 43101 empties the credits
    (consumed: WeChat says none is left) and is raised for the caller not to retry; 47003 is recorded on the
    template for admins and raised."""
    if not client.enabled():
        raise NothingToSend("未启用微信小程序")
    account = await binding(session, user_id)
    if account is None:
        raise NothingToSend("用户未绑定微信")
    template = (await session.execute(select(SubscribeTemplate).where(
        SubscribeTemplate.event == event, SubscribeTemplate.active.is_(True)))).scalar_one_or_none()
    if template is None:
        raise NothingToSend(f"事件 {event} 未配置订阅消息模板")
    credit = (await session.execute(select(SubscribeCredit).where(
        SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == template.template_id)
        .with_for_update())).scalar_one_or_none()
    if credit is None or credit.credits <= 0:
        raise NothingToSend("用户没有剩余的订阅次数")
    data = {key: field_value(key, values.get(source)) for key, source in template.fields.items()}
    page = (template.page or "").replace("{object_id}", str(values.get("object_id") or "")) or None
    try:
        await client.send_subscribe(session, account.openid, template.template_id, data, page)
    except WechatError as exc:
        if exc.errcode == 43101:
            credit.credits = 0
        elif exc.errcode == 47003:
            template.last_error = f"47003 {exc.errmsg}"[:500]
            template.updated_at = utcnow()
        raise
    credit.credits -= 1
    credit.updated_at = utcnow()


async def templates(session: AsyncSession) -> list[SubscribeTemplate]:
    return list((await session.execute(select(SubscribeTemplate).order_by(SubscribeTemplate.event))).scalars())


async def put_template(session: AsyncSession, principal: Principal, event: str, template_id: str,
                       page: str | None, fields: dict[str, str], active: bool) -> SubscribeTemplate:
    row = (await session.execute(select(SubscribeTemplate).where(SubscribeTemplate.event == event)))\
        .scalar_one_or_none()
    if row is None:
        row = SubscribeTemplate(event=event, template_id=template_id, page=page, fields=fields, active=active)
        session.add(row)
    else:
        row.template_id, row.page, row.fields, row.active = template_id, page, fields, active
    row.last_error = None
    row.updated_at = utcnow()
    await audit.record(session, principal.actor(), "wechat.template", "wechat_template", None,
                       {"event": event, "template_id": template_id})
    await session.flush()
    return row


async def delete_template(session: AsyncSession, principal: Principal, event: str) -> None:
    await session.execute(delete(SubscribeTemplate).where(SubscribeTemplate.event == event))
    await audit.record(session, principal.actor(), "wechat.template_delete", "wechat_template", None, {"event": event})


async def check_text(session: AsyncSession, user_id: int, *texts: str | None) -> None:
    """msg_sec_check on text a WeChat user wrote, when WeChat is configured and the user is bound: 422
    content_risky when WeChat does not pass it. WeChat being unreachable does not block the citizen."""
    if not client.enabled():
        return
    account = await binding(session, user_id)
    content = "\n".join(t for t in texts if t)
    if account is None or not content:
        return
    try:
        for start in range(0, len(content), 2500):  # WeChat checks at most 2,500 characters at a time
            if not await client.msg_sec_check(session, account.openid, content[start:start + 2500]):
                raise ContentRisky()
    except WechatError:
        return

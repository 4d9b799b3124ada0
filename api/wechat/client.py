"""A thin client of WeChat's documented server APIs (code2Session, stable_token, subscribeMessage.send,
getuserphonenumber, msg_sec_check), against PORTAL_WECHAT_API_BASE. The access_token is kept in the database
(WechatAccessToken), shared by every API process and worker, and renewed before it expires."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings
from api.database import utcnow
from api.wechat.exceptions import WechatError
from api.wechat.models import WechatAccessToken

TIMEOUT = httpx.Timeout(10.0)
RENEW_BEFORE = timedelta(minutes=5)  # WeChat renews 5 minutes early; old and new tokens both work meanwhile
STALE_TOKEN = frozenset({40001, 42001, 40014})  # invalid credential, expired, invalid token


def enabled() -> bool:
    s = get_settings()
    return bool(s.wechat_appid and s.wechat_secret)


def _base() -> str:
    return get_settings().wechat_api_base.rstrip("/")


def _checked(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise WechatError(None, f"HTTP {response.status_code}: not JSON") from exc
    if not isinstance(body, dict):
        raise WechatError(None, "unexpected answer")
    errcode = int(body.get("errcode") or 0)
    if errcode != 0:
        raise WechatError(errcode, str(body.get("errmsg", "")))
    return body


async def _call(method: str, path: str, *, params: dict[str, str] | None = None,
                json: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            response = await http.request(method, _base() + path, params=params, json=json)
    except httpx.HTTPError as exc:
        raise WechatError(None, f"network: {type(exc).__name__}") from exc
    return _checked(response)


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None


async def code2session(code: str) -> Session:
    """GET /sns/jscode2session; session_key is dropped here (it never leaves this function)."""
    s = get_settings()
    body = await _call("GET", "/sns/jscode2session", params={
        "appid": s.wechat_appid or "", "secret": s.wechat_secret or "", "js_code": code,
        "grant_type": "authorization_code"})
    openid = body.get("openid")
    if not openid:
        raise WechatError(None, "no openid in code2Session answer")
    return Session(str(openid), body.get("unionid") or None)


async def _fetch_token(force_refresh: bool) -> tuple[str, datetime]:
    s = get_settings()
    body = await _call("POST", "/cgi-bin/stable_token", json={
        "grant_type": "client_credential", "appid": s.wechat_appid, "secret": s.wechat_secret,
        "force_refresh": force_refresh})
    return str(body["access_token"]), utcnow() + timedelta(seconds=int(body.get("expires_in", 7200)))


async def access_token(session: AsyncSession, *, force_refresh: bool = False) -> str:
    """The shared access_token: the stored one while it has more than 5 minutes left, else a new one from
    stable_token stored for everyone (committed by the caller). stable_token answers every caller with the same
    token in normal mode, so two workers renewing at once do no harm."""
    appid = get_settings().wechat_appid or ""
    row = await session.get(WechatAccessToken, appid)
    if row is not None and not force_refresh and row.expires_at - RENEW_BEFORE > utcnow():
        return row.token
    token, expires_at = await _fetch_token(force_refresh)
    if row is None:
        row = (await session.execute(select(WechatAccessToken).where(WechatAccessToken.appid == appid)
                                     .with_for_update())).scalar_one_or_none()
    if row is None:
        session.add(WechatAccessToken(appid=appid, token=token, expires_at=expires_at, updated_at=utcnow()))
    else:
        row.token, row.expires_at, row.updated_at = token, expires_at, utcnow()
    await session.flush()
    return token


async def with_token(session: AsyncSession, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `path`?access_token=… with the shared token; on 40001/42001 (the token went stale) renew it once
    with force_refresh and try again."""
    token = await access_token(session)
    try:
        return await _call("POST", path, params={"access_token": token}, json=body)
    except WechatError as exc:
        if exc.errcode not in STALE_TOKEN:
            raise
    token = await access_token(session, force_refresh=True)
    return await _call("POST", path, params={"access_token": token}, json=body)


async def phone_number(session: AsyncSession, code: str) -> str:
    """POST /wxa/business/getuserphonenumber; the watermark's appid must be ours."""
    body = await with_token(session, "/wxa/business/getuserphonenumber", {"code": code})
    info = body.get("phone_info") or {}
    if (info.get("watermark") or {}).get("appid") != get_settings().wechat_appid:
        raise WechatError(None, "phone number watermark is for another appid")
    return str(info.get("purePhoneNumber") or info.get("phoneNumber") or "")


async def send_subscribe(session: AsyncSession, openid: str, template_id: str, data: dict[str, str],
                         page: str | None) -> None:
    body: dict[str, Any] = {"touser": openid, "template_id": template_id, "lang": "zh_CN",
                            "miniprogram_state": get_settings().wechat_miniprogram_state,
                            "data": {k: {"value": v} for k, v in data.items()}}
    if page:
        body["page"] = page
    await with_token(session, "/cgi-bin/message/subscribe/send", body)


async def msg_sec_check(session: AsyncSession, openid: str, content: str, title: str | None = None) -> bool:
    """POST /wxa/msg_sec_check (v2): False when WeChat suggests anything but "pass"."""
    body: dict[str, Any] = {"version": 2, "openid": openid, "scene": 2, "content": content[:2500]}
    if title:
        body["title"] = title
    answer = await with_token(session, "/wxa/msg_sec_check", body)
    return (answer.get("result") or {}).get("suggest", "pass") == "pass"

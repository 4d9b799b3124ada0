"""The channels beside the inbox: email over SMTP, SMS through Alibaba Cloud's SendSms API, and WeChat
subscribe messages. A send either returns (sent) or raises one of the three outcomes below; the outbox turns
them into the delivery's state and its log."""

import asyncio
import base64
import hashlib
import hmac
import json
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import User
from api.config import get_settings
from api.notifications.models import Channel, Notification
from api.wechat import service as wechat
from api.wechat.exceptions import WechatError


class Skip(Exception):
    """Nothing to send to: no address, channel not configured, no subscribe-message credit."""


class Dead(Exception):
    """Failed in a way no retry fixes (refused address, bad template data): dead-letter at once."""


class Retry(Exception):
    """Failed for now (server busy, network): try again later with backoff, dead-letter after N attempts."""


async def send(session: AsyncSession, channel: Channel, delivery_id: int, note: Notification, user: User) -> None:
    if channel == Channel.email:
        await send_email(delivery_id, note, user)
    elif channel == Channel.sms:
        await send_sms(delivery_id, note, user)
    else:
        await send_wechat(session, note, user)


# --- email -------------------------------------------------------------------------------------------------------

def _email(delivery_id: int, note: Notification, to: str) -> EmailMessage:
    s = get_settings()
    msg = EmailMessage()
    msg["From"] = s.smtp_from
    msg["To"] = to
    msg["Subject"] = note.title
    # The delivery id is the message's identity: a resend after a crash carries the same Message-ID and header.
    msg["Message-ID"] = f"<delivery-{delivery_id}@{s.smtp_from.rpartition('@')[2] or 'portal.invalid'}>"
    msg["X-Portal-Delivery"] = str(delivery_id)
    msg.set_content(note.body or note.title)
    return msg


def _smtp_send(msg: EmailMessage) -> None:
    s = get_settings()
    with smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=15) as smtp:
        if s.smtp_starttls:
            smtp.starttls()
        if s.smtp_username:
            smtp.login(s.smtp_username, s.smtp_password or "")
        smtp.send_message(msg)


async def send_email(delivery_id: int, note: Notification, user: User) -> None:
    if not get_settings().smtp_host:
        raise Skip("未配置邮件服务")
    if not user.email:
        raise Skip("用户未填写邮箱")
    try:
        await asyncio.to_thread(_smtp_send, _email(delivery_id, note, user.email))
    except smtplib.SMTPRecipientsRefused as exc:
        raise Dead(f"收件地址被拒绝：{exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        reason = f"SMTP {exc.smtp_code} {exc.smtp_error!r}"
        raise (Dead(reason) if 500 <= exc.smtp_code < 600 else Retry(reason)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise Retry(f"SMTP 连接失败：{type(exc).__name__}") from exc


# --- SMS: Alibaba Cloud SendSms (RPC API, signature version 1.0, HMAC-SHA1) -----------------------------------------

def _percent(value: str) -> str:
    return quote(value, safe="-_.~")


def signed_sms_query(params: dict[str, str], secret: str) -> dict[str, str]:
    """The query with its Signature: HMAC-SHA1 over "GET&%2F&" + the percent-encoded sorted query, keyed by
    secret + "&"."""
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"GET&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return {**params, "Signature": base64.b64encode(digest).decode()}


RETRYABLE_SMS = frozenset({"isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "ServiceUnavailable"})


async def send_sms(delivery_id: int, note: Notification, user: User) -> None:
    s = get_settings()
    if not (s.sms_access_key_id and s.sms_access_key_secret):
        raise Skip("未配置短信服务")
    if not user.phone:
        raise Skip("用户未填写手机号")
    params = {
        "AccessKeyId": s.sms_access_key_id, "Action": "SendSms", "Format": "JSON", "Version": "2017-05-25",
        "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex, "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "PhoneNumbers": user.phone, "SignName": s.sms_sign_name, "TemplateCode": s.sms_template_code,
        "TemplateParam": json.dumps({"title": note.title[:20], "link": note.link or ""}, ensure_ascii=False),
        "OutId": f"delivery-{delivery_id}",  # the provider's idempotency/trace key: our delivery id
    }
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(s.sms_api_base.rstrip("/") + "/",
                                      params=signed_sms_query(params, s.sms_access_key_secret))
        body: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Retry(f"短信接口不可用：{type(exc).__name__}") from exc
    code = str(body.get("Code", ""))
    if code == "OK":
        return
    reason = f"短信发送失败：{code} {body.get('Message', '')}"
    raise (Retry(reason) if code in RETRYABLE_SMS or response.status_code >= 500 else Dead(reason))


# --- WeChat subscribe messages -------------------------------------------------------------------------------------

async def send_wechat(session: AsyncSession, note: Notification, user: User) -> None:
    try:
        await wechat.send_subscribe_message(session, user.id, note.event or note.kind, {
            "title": note.title, "body": note.body, "created_at": note.created_at, "object_id": note.object_id})
    except wechat.NothingToSend as exc:
        raise Skip(str(exc)) from exc
    except WechatError as exc:
        if exc.errcode == 43101:
            raise Skip("43101 用户未订阅或订阅次数已用完（已消耗，不重试）") from exc
        if exc.errcode in (47003, 40037, 41030, 40003):
            raise Dead(f"{exc.errcode} 模板或数据配置有误：{exc.errmsg}") from exc
        raise Retry(f"{exc.errcode} {exc.errmsg}") from exc

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class WechatAccount(Base):
    """A citizen's WeChat identity: the mini-program openid (and the unionid when the mini-program is bound to
    an Open Platform account). session_key is never stored: nothing here decrypts wx.getUserInfo data."""

    __tablename__ = "wechat_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WechatAccessToken(Base):
    """The one access_token of an appid, shared by every API process and worker (WeChat's 中控 advice)."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(1024))
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubscribeTemplate(Base):
    """An admin's subscribe-message template for one event ("<workflow>.<action>"): WeChat's template id, the
    page the message opens, and which notification field fills which template key (`fields`:
    {"thing1": "title", "time2": "created_at", ...}). `last_error` shows a 47003 (bad data) to admins."""

    __tablename__ = "wechat_subscribe_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(80), unique=True)
    template_id: Mapped[str] = mapped_column(String(64), index=True)
    page: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubscribeCredit(Base):
    """One-time subscriptions a user accepted (wx.requestSubscribeMessage) and not yet used, per template."""

    __tablename__ = "wechat_subscribe_credits"
    __table_args__ = (UniqueConstraint("user_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    credits: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BindingCode(Base):
    """A short-lived one-time code a signed-in SPA user shows (as text and as a QR code of the mini-program's
    binding page) so that the mini-program, signed in with WeChat, binds that WeChat to this account: a browser
    has no wx.login() code. Only the code's SHA-256 is kept."""

    __tablename__ = "wechat_binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

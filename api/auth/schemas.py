from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth.models import OrgKind, Role, UserKind
from api.validation import Id, Int4

Username = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    refresh_token: str | None = Field(
        description="null when the request asked for cookie delivery (header X-Token-Delivery: cookie): the "
                    "refresh token is then only in the HttpOnly cookie")
    refresh_expires_in: int
    scope: str | None = Field(default=None, description="client_credentials：授予的权限范围（空格分隔）")


class RefreshIn(BaseModel):
    refresh_token: str | None = Field(
        default=None, min_length=10, max_length=200,
        description="omit when the refresh token travels in the cookie (with header X-Token-Delivery: cookie)")


class RegistrationReceived(BaseModel):
    """The same answer whether the username was free or taken."""

    status: str = "received"
    detail: str = "注册申请已受理。如用户名可用，账号已创建，请使用该用户名和密码登录；否则请换一个用户名重新注册。"


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    user_id: int
    user_display_name: str | None = None
    role: Role
    org_unit_id: int
    org_unit_name: str
    created_at: datetime


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    kind: UserKind
    org_unit_id: int | None
    org_unit_name: str | None
    email: str | None
    phone: str | None
    is_active: bool
    must_change_password: bool
    created_at: datetime
    roles: list[GrantRead]


# The accounts a first WeChat sign-in makes are named with this prefix; nobody may register or be given such a
# name, so such an account is known to have no password anyone knows (api.wechat.service folds them on binding).
WECHAT_USERNAME_PREFIX = "wx_"


class RegisterIn(BaseModel):
    username: str = Username

    @field_validator("username")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v.lower().startswith(WECHAT_USERNAME_PREFIX):
            raise ValueError(f"以 {WECHAT_USERNAME_PREFIX} 开头的用户名保留给微信登录账号")
        return v
    password: str = Field(min_length=1, max_length=128)
    display_name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^1[3-9]\d{9}$")


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class UserCreate(RegisterIn):
    kind: UserKind
    org_unit_id: Id | None = None


class UserUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    org_unit_id: Id | None = None
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^1[3-9]\d{9}$")


class PasswordResetIn(BaseModel):
    new_password: str = Field(min_length=1, max_length=128)


class OrgUnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: OrgKind
    parent_id: int | None
    path: str
    sort_order: int


class OrgUnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=100)
    kind: OrgKind
    parent_id: Id | None = None
    sort_order: Int4 = 0


class OrgUnitUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    sort_order: Int4 | None = None
    parent_id: Id | None = None


class GrantCreate(BaseModel):
    user_id: Id
    role: Role
    org_unit_id: Id

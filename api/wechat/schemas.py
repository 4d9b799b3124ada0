from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=128,
                      description="wx.login() 或手机号按钮返回的 code（5 分钟内一次有效）")


class BindingRead(BaseModel):
    bound: bool
    has_unionid: bool = False
    bound_at: datetime | None = None


class PhoneRead(BaseModel):
    phone: str


class SubscriptionsIn(BaseModel):
    """The result of wx.requestSubscribeMessage as the mini-program got it: {template_id: answer}."""

    results: dict[str, Literal["accept", "reject", "ban", "filter"]] = Field(max_length=20)


class CreditsRead(BaseModel):
    credits: dict[str, int] = Field(description="每个模板剩余的一次性订阅次数")


TemplateSource = Literal["title", "body", "created_at", "object_id"]


class TemplateIn(BaseModel):
    template_id: str = Field(min_length=1, max_length=64)
    page: str | None = Field(default=None, max_length=200,
                             description="消息打开的小程序页面，可含 {object_id}，如 pages/case/index?id={object_id}")
    fields: dict[str, TemplateSource] = Field(
        min_length=1, max_length=10,
        description='模板关键词 → 通知字段，如 {"thing1": "title", "time2": "created_at"}；按 WeChat 的类型限制截断')
    active: bool = True


class TemplateRead(TemplateIn):
    model_config = ConfigDict(from_attributes=True)
    event: str
    last_error: str | None = Field(description="最近一次 47003 等模板数据错误，修正配置后清空")
    updated_at: datetime


class BindingCodeRead(BaseModel):
    code: str = Field(description="一次性绑定码，在小程序“绑定账号”页输入，或用微信扫描二维码")
    page: str = Field(description="小程序绑定页面路径（含绑定码），即二维码的内容")
    qr_svg: str = Field(description="二维码（SVG 的 data: URI）")
    expires_at: datetime


class BindingCodeIn(BaseModel):
    code: str = Field(min_length=4, max_length=16, description="网站上显示的一次性绑定码")

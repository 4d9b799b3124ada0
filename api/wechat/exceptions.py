"""WeChat's error codes as problem+json (sign-in) and as delivery outcomes (subscribe messages)."""

from api.errors import AppError, Forbidden, NotFound, ServiceUnavailable, Unauthorized


class WechatError(Exception):
    """An errcode other than 0 in a WeChat API answer (or the API not answering: errcode None)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WechatDisabled(NotFound):
    code = "wechat_disabled"
    title = "未启用微信小程序登录"


class WechatCodeInvalid(Unauthorized):
    code = "wechat_code_invalid"
    title = "微信登录凭证无效或已过期，请重新登录"


class WechatRiskyUser(Forbidden):
    code = "wechat_risky_user"
    title = "微信判定该用户存在风险，暂不能登录"


class WechatBusy(ServiceUnavailable):
    code = "wechat_busy"
    title = "微信服务繁忙，请稍后重试"

    def __init__(self, retry_after: int = 5, detail: str | None = None) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class WechatFailed(ServiceUnavailable):
    code = "wechat_failed"
    title = "微信接口调用失败"


class WechatAlreadyBound(Forbidden):
    code = "wechat_already_bound"
    title = "该微信已绑定其他账号"


class BindingCodeInvalid(Forbidden):
    code = "wechat_binding_code_invalid"
    title = "绑定码无效或已过期，请在网站上重新获取"


class WechatNotBound(NotFound):
    code = "wechat_not_bound"
    title = "尚未绑定微信"


class PhoneInvalid(Forbidden):
    code = "wechat_phone_invalid"
    title = "手机号凭证无效"


class ContentRisky(AppError):
    status = 422
    code = "content_risky"
    title = "内容含有违法违规信息，请修改后再提交"


def problem_for(exc: WechatError) -> AppError:
    """The problem a sign-in answers for WeChat's error: 40029 invalid code → 401, -1 busy and 45011 quota →
    503 with Retry-After, 40226 high-risk user → 403, anything else → 503."""
    if exc.errcode in (40029, 40163):  # invalid code; code already used
        return WechatCodeInvalid()
    if exc.errcode == 40226:
        return WechatRiskyUser()
    if exc.errcode == -1:
        return WechatBusy(2)
    if exc.errcode == 45011:
        return WechatBusy(60, "微信登录调用过于频繁，请一分钟后重试")
    return WechatFailed(f"微信接口调用失败（{exc.errcode}）")

"""WeChat mini-program: sign-in with wx.login()'s code, binding, verified phone, subscribe-message credits and
(admins) the template of each event."""

import segno
from fastapi import APIRouter, status

from api.auth.dependencies import AdminUser, CurrentUser
from api.auth.schemas import TokenPair
from api.database import SessionDep
from api.errors import Forbidden, NotFound, RateLimited, Unauthorized, ValidationFailed, responses
from api.events import events
from api.wechat import service
from api.wechat.exceptions import (
    BindingCodeInvalid,
    PhoneInvalid,
    WechatAlreadyBound,
    WechatBusy,
    WechatCodeInvalid,
    WechatDisabled,
    WechatNotBound,
    WechatRiskyUser,
)
from api.wechat.schemas import (
    BindingCodeIn,
    BindingCodeRead,
    BindingRead,
    CodeIn,
    CreditsRead,
    PhoneRead,
    SubscriptionsIn,
    TemplateIn,
    TemplateRead,
)

auth_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/wechat", tags=["wechat"])


@auth_router.post("/wechat", responses=responses(WechatCodeInvalid, WechatRiskyUser, WechatBusy, WechatDisabled))
async def wechat_sign_in(session: SessionDep, body: CodeIn) -> TokenPair:
    """Mini-program sign-in: the code from wx.login() → code2Session → the citizen bound to that openid (created
    on first sign-in) → our tokens in the body (a mini-program has no cookies). 40029 → 401, -1/45011 → 503 with
    Retry-After, 40226 → 403."""
    return await service.sign_in(session, body.code)


@router.get("/binding")
async def get_wechat_binding(session: SessionDep, principal: CurrentUser) -> BindingRead:
    account = await service.binding(session, principal.id)
    if account is None:
        return BindingRead(bound=False)
    return BindingRead(bound=True, has_unionid=account.unionid is not None, bound_at=account.created_at)


@router.post("/binding", responses=responses(WechatCodeInvalid, WechatAlreadyBound, WechatBusy, WechatDisabled))
async def bind_wechat(session: SessionDep, principal: CurrentUser, body: CodeIn) -> BindingRead:
    """Bind my WeChat (a wx.login() code) to my account."""
    account = await service.bind(session, principal, body.code)
    return BindingRead(bound=True, has_unionid=account.unionid is not None, bound_at=account.created_at)


@router.delete("/binding", status_code=status.HTTP_204_NO_CONTENT, responses=responses(WechatNotBound))
async def unbind_wechat(session: SessionDep, principal: CurrentUser) -> None:
    """Unbind my WeChat (its subscribe-message credits go with it)."""
    await service.unbind(session, principal)


@router.post("/binding-codes", status_code=status.HTTP_201_CREATED,
             responses=responses(Unauthorized, RateLimited, WechatDisabled))
async def create_wechat_binding_code(session: SessionDep, principal: CurrentUser) -> BindingCodeRead:
    """Binding from the website, which has no wx.login() code: a one-time code, valid for 5 minutes, shown as
    text and as a QR code of the mini-program's binding page. The mini-program confirms it (POST
    /wechat/binding-codes/confirm); the website polls GET /wechat/binding until it says bound."""
    code, row = await service.new_binding_code(session, principal)
    page = service.binding_page(code)
    return BindingCodeRead(code=code, page=page, expires_at=row.expires_at,
                           qr_svg=segno.make(page, error="m").svg_data_uri(scale=4, border=2))


@router.post("/binding-codes/confirm", responses=responses(
    Unauthorized, BindingCodeInvalid, WechatNotBound, RateLimited, WechatDisabled))
async def confirm_wechat_binding_code(session: SessionDep, principal: CurrentUser, body: BindingCodeIn) -> TokenPair:
    """The mini-program (signed in through POST /auth/wechat) confirms a code shown on the website: its WeChat is
    bound to that website account, and the answer is that account's tokens."""
    return await service.confirm_binding_code(session, principal, body.code)


@router.post("/phone", responses=responses(PhoneInvalid, WechatBusy, WechatDisabled))
async def verify_wechat_phone(session: SessionDep, principal: CurrentUser, body: CodeIn) -> PhoneRead:
    """My phone number as WeChat verified it (the code of a getPhoneNumber button)."""
    return PhoneRead(phone=await service.verify_phone(session, principal, body.code))


@router.get("/subscriptions")
async def get_subscribe_credits(session: SessionDep, principal: CurrentUser) -> CreditsRead:
    return CreditsRead(credits=await service.credits(session, principal.id))


@router.post("/subscriptions", responses=responses(WechatNotBound))
async def report_subscriptions(session: SessionDep, principal: CurrentUser, body: SubscriptionsIn) -> CreditsRead:
    """Report what wx.requestSubscribeMessage returned: each "accept" is one message we may send."""
    return CreditsRead(credits=await service.add_credits(session, principal.id, dict(body.results)))


@router.get("/templates", responses=responses(Unauthorized, Forbidden))
async def list_subscribe_templates(session: SessionDep, principal: AdminUser) -> list[TemplateRead]:
    return [TemplateRead.model_validate(t) for t in await service.templates(session)]


@router.put("/templates/{event}", responses=responses(Unauthorized, Forbidden, ValidationFailed))
async def put_subscribe_template(session: SessionDep, principal: AdminUser, event: str,
                                 body: TemplateIn) -> TemplateRead:
    """The subscribe-message template of an event ("<workflow>.<action>", see GET /notifications/events)."""
    if event not in events():
        raise ValidationFailed([{"field": "event", "in": "path", "message": "未知的通知事件",
                                 "type": "unknown_event"}])
    row = await service.put_template(session, principal, event, body.template_id, body.page, dict(body.fields),
                                     body.active)
    return TemplateRead.model_validate(row)


@router.delete("/templates/{event}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(Unauthorized, Forbidden, NotFound))
async def delete_subscribe_template(session: SessionDep, principal: AdminUser, event: str) -> None:
    await service.delete_template(session, principal, event)

"""政府信息公开指南: the page telling the public how to apply, where, what it costs and what they can do about a
reply. Staff keep its sections; until they do, the default below states the 条例's rules."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.auth.principal import Principal
from api.database import utcnow
from api.disclosure_requests.models import DisclosureGuide
from api.disclosure_requests.states import REMEDY_TEXT

DEFAULT_SECTIONS = [
    {"title": "申请方式",
     "body": "公民、法人或者其他组织可以登录本网站在线提交申请，也可以通过信函、传真、电子邮件或者"
             "当面提交书面申请。申请应当包括：申请人的姓名或者名称、身份证明、联系方式；所需政府信息的"
             "名称、文号或者便于查询的其他特征性描述；获取信息的方式、途径。"},
    {"title": "受理和答复期限",
     "body": "能够当场答复的，当场予以答复；不能当场答复的，自收到申请之日起20个工作日内予以答复；"
             "需要延长答复期限的，经政府信息公开工作机构负责人同意并告知申请人，延长的期限最长不得超过"
             "20个工作日。申请内容不明确的，本机关将在收到申请之日起7个工作日内一次性告知补正，答复期限"
             "自收到补正的申请之日起计算。征求第三方和其他机关意见所需时间不计算在答复期限内。"},
    {"title": "收费标准",
     "body": "依申请提供政府信息，不收取费用。申请人申请公开政府信息的数量、频次明显超过合理范围的，"
             "按照《政府信息公开信息处理费管理办法》收取信息处理费：按件计收的，同一申请人一个自然月内"
             "累计申请10件以下（含10件）的不收费，11—30件的每件100元，31件以上的以10件为一档，每增加"
             "一档每件收费标准提高100元；按量计收的，30页以下（含30页）的不收费，31—100页的部分每页10元，"
             "101—200页的部分每页20元，201页以上的部分每页40元。收费通知发出后申请人逾期未缴纳的，"
             "本机关不再处理该申请。"},
    {"title": "救济途径", "body": REMEDY_TEXT},
]


async def sections(session: AsyncSession) -> list[dict[str, str]]:
    row = (await session.execute(select(DisclosureGuide).order_by(DisclosureGuide.id).limit(1))).scalar_one_or_none()
    return list(row.sections) if row else [dict(s) for s in DEFAULT_SECTIONS]


async def save(session: AsyncSession, principal: Principal, new: list[dict[str, Any]]) -> list[dict[str, str]]:
    row = (await session.execute(select(DisclosureGuide).order_by(DisclosureGuide.id).limit(1))).scalar_one_or_none()
    before = list(row.sections) if row else None
    if row is None:
        session.add(DisclosureGuide(sections=new, updated_by_id=principal.id))
    else:
        row.sections, row.updated_at, row.updated_by_id = new, utcnow(), principal.id
    await session.flush()
    await audit.record(session, principal.actor(), "disclosure_guide.save", "disclosure_guide", 1,
                       {"before": before, "after": new})
    return new

"""关于我们 / 联系我们 / 隐私声明: pages staff keep up to date, shown publicly through the response cache.

A page never saved shows its default text (the one the demo seeds), so a fresh deployment has all three.
Saving cleans the body with the disclosures' allow-list, records the change in the audit log and tells the
public cache (publiccache.changed) in the same transaction.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.auth.models import User
from api.auth.principal import Principal
from api.database import utcnow
from api.disclosures import service as disclosures
from api.errors import ValidationFailed
from api.publiccache import service as publiccache
from api.sitepages.models import SitePage
from api.sitepages.schemas import SitePageRead, SitePageUpdate
from api.sitepages.states import SITE_PAGE_TITLES, SitePageSlug

DEFAULT_BODIES: dict[SitePageSlug, str] = {
    SitePageSlug.about: (
        "<p>本网站是本机关在互联网上发布政务信息、提供在线服务、与公众互动交流的官方网站，"
        "设有政务公开、网上办事、互动交流等栏目。</p>"
        "<p>网站内容由各处室、直属中心按职责分工提供，经审核、保密审查后发布。</p>"),
    SitePageSlug.contact: (
        "<p>对网站内容的意见建议，请通过<a href=\"/interaction\">互动交流</a>栏目写信，"
        "或按下列地址、电话与我们联系。</p>"
        "<p>工作时间：法定工作日上午 9:00—12:00，下午 13:30—17:30。</p>"),
    SitePageSlug.privacy: (
        "<p>本网站尊重并保护所有使用服务用户的个人隐私权。</p>"
        "<p>您在写信、申请办事、参与调查时提交的姓名、证件号码、联系方式等个人信息，仅用于办理相关事项，"
        "在公开选登等场合依法隐去；除法律法规另有规定外，不会向第三方提供。</p>"
        "<p>本网站统计访问量时不记录访问者的 IP 地址，不使用跟踪类 Cookie；登录状态仅保存在本浏览器。</p>"
        "<p>“无障碍”工具栏的字号、长者模式等设置只保存在您的浏览器中。</p>"),
}


def _read(slug: SitePageSlug, row: SitePage | None, editor: str | None = None) -> SitePageRead:
    if row is None:
        return SitePageRead(slug=slug, title=SITE_PAGE_TITLES[slug], body_html=DEFAULT_BODIES[slug],
                            updated_at=None)
    return SitePageRead(slug=slug, title=row.title, body_html=row.body_html, updated_at=row.updated_at,
                        updated_by_name=editor)


async def get_page(session: AsyncSession, slug: SitePageSlug) -> SitePageRead:
    """The page as the public sees it (no editor's name)."""
    return _read(slug, await session.get(SitePage, slug))


async def get_page_for_staff(session: AsyncSession, slug: SitePageSlug) -> SitePageRead:
    row = (await session.execute(
        select(SitePage, User.display_name).outerjoin(User, User.id == SitePage.updated_by_id)
        .where(SitePage.slug == slug))).first()
    return _read(slug, row[0], row[1]) if row else _read(slug, None)


async def save_page(session: AsyncSession, principal: Principal, slug: SitePageSlug,
                    data: SitePageUpdate) -> SitePageRead:
    body = disclosures.clean_html(data.body_html)
    if not disclosures.plain_text(body).strip():
        raise ValidationFailed([{"field": "body_html", "in": "body", "message": "正文不能为空", "type": "value_error"}],
                               "正文不能为空")
    row = await session.get(SitePage, slug)
    if row is None:
        row = SitePage(slug=slug)
        session.add(row)
    before = {"title": row.title, "chars": len(row.body_html or "")}
    row.title, row.body_html = data.title.strip(), body
    row.updated_by_id, row.updated_at = principal.id, utcnow()
    await session.flush()
    await audit.record(session, principal.actor(), "site_page.update", "site_page", slug,
                       {"before": before, "after": {"title": row.title, "chars": len(body)}})
    await publiccache.changed(session)
    return await get_page_for_staff(session, slug)


async def seed_defaults(session: AsyncSession, bodies: dict[SitePageSlug, str] | None = None) -> None:
    """Store the given (else the default) text of every page not saved yet (the demo's starting point)."""
    for slug in SitePageSlug:
        if await session.get(SitePage, slug) is None:
            body = disclosures.clean_html((bodies or {}).get(slug) or DEFAULT_BODIES[slug])
            session.add(SitePage(slug=slug, title=SITE_PAGE_TITLES[slug], body_html=body))
    await session.flush()

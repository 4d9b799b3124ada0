"""关于我们 / 联系我们 / 隐私声明 as the demo site starts with them (staff edit them at /workspace/site-pages)."""

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgUnit
from api.config import get_settings
from api.sitepages import service
from api.sitepages.states import SitePageSlug


async def load(session: AsyncSession, units: dict[str, OrgUnit]) -> None:
    s = get_settings()
    about = (f"<p>{s.site_sponsor}政务门户是本机关在互联网上发布政务信息、提供在线服务、与公众互动交流的官方网站，"
             "设有政务公开、网上办事、互动交流等栏目。</p>"
             f"<p>主办单位：{s.site_sponsor}；承办单位：{s.site_organizer}。</p>"
             "<p>网站内容由各处室、直属中心按职责分工提供，经审核、保密审查后发布。</p>")
    await service.seed_defaults(session, {SitePageSlug.about: about})

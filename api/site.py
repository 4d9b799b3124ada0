"""The site's identity, as every gov.cn site shows it: 网站标识码, ICP备案 and 公安备案 numbers with their
links, the 党政机关 badge, the 我为政府网站找错 link and the sponsor's contact lines.

Set per deployment (PORTAL_SITE_* settings, see api/config.py); the SPA reads them once for its footer,
its 关于我们/联系我们 pages and the site-identity <meta> tags (SiteName, SiteDomain, SiteIDCode).
"""

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.config import get_settings

router = APIRouter(tags=["site"])

ICP_URL = "https://beian.miit.gov.cn/"
POLICE_URL = "https://beian.mps.gov.cn/#/query/webSearch?code="
FIND_ERROR_URL = "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteInfo.action?websiteid="


class SiteRead(BaseModel):
    site_name: str
    site_domain: str
    site_id_code: str
    sponsor: str
    organizer: str
    address: str
    postcode: str
    phone: str
    email: str
    icp_number: str
    icp_url: str
    police_number: str
    police_url: str | None
    party_badge_url: str | None
    find_error_url: str | None


@router.get("/site")
async def get_site(response: Response) -> SiteRead:
    """网站标识码, 备案 numbers with links, the 党政机关 badge link and the sponsor's contact details."""
    s = get_settings()
    response.headers["Cache-Control"] = "public, max-age=300"
    police_code = "".join(ch for ch in s.site_police_number if ch.isdigit())
    return SiteRead(
        site_name=s.site_name, site_domain=s.site_domain, site_id_code=s.site_id_code,
        sponsor=s.site_sponsor, organizer=s.site_organizer, address=s.site_address, postcode=s.site_postcode,
        phone=s.site_phone, email=s.site_email,
        icp_number=s.site_icp_number, icp_url=ICP_URL,
        police_number=s.site_police_number, police_url=f"{POLICE_URL}{police_code}" if police_code else None,
        party_badge_url=s.site_party_badge_url,
        find_error_url=f"{FIND_ERROR_URL}{s.site_id_code}" if s.site_id_code else None,
    )

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth.dependencies import require_role
from api.auth.models import Role
from api.auth.principal import Principal
from api.database import SessionDep
from api.errors import Forbidden, ValidationFailed, responses
from api.publiccache.middleware import public_read
from api.sitepages import service
from api.sitepages.schemas import SitePageRead, SitePageUpdate
from api.sitepages.states import SitePageSlug

router = APIRouter(prefix="/site-pages", tags=["site"])

SitePageEditor = Annotated[Principal, Depends(require_role(Role.editor, Role.admin))]


@router.get("/{slug}")
@public_read()
async def get_site_page(session: SessionDep, slug: SitePageSlug) -> SitePageRead:
    """关于我们, 联系我们 or 隐私声明 as published."""
    return await service.get_page(session, slug)


@router.get("/{slug}/edit", responses=responses(Forbidden))
async def get_site_page_for_edit(session: SessionDep, editor: SitePageEditor, slug: SitePageSlug) -> SitePageRead:
    """The page with who saved it last (信息员, 系统管理员)."""
    return await service.get_page_for_staff(session, slug)


@router.put("/{slug}", responses=responses(Forbidden, ValidationFailed))
async def save_site_page(session: SessionDep, editor: SitePageEditor, slug: SitePageSlug,
                         body: SitePageUpdate) -> SitePageRead:
    """Replace the page's title and body (信息员, 系统管理员); audited, and the public copy is refreshed."""
    return await service.save_page(session, editor, slug, body)

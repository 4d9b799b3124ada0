from datetime import datetime

from pydantic import BaseModel, Field

from api.sitepages.states import SitePageSlug


class SitePageRead(BaseModel):
    slug: SitePageSlug
    title: str
    body_html: str = Field(description="正文 HTML，已按白名单清理")
    updated_at: datetime | None
    updated_by_name: str | None = Field(None, description="最后修改人（仅工作人员可见）")


class SitePageUpdate(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    body_html: str = Field(min_length=1, max_length=100_000)

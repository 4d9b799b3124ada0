from datetime import datetime

from pydantic import BaseModel, Field

from api.sitesearch.states import ResultKind


class SiteHit(BaseModel):
    kind: ResultKind
    id: int
    title: str = Field(description="标题（已转义，命中词以 <mark> 标出）")
    snippet: str = Field(description="摘要（已转义，命中词以 <mark> 标出）")
    url: str = Field(description="SPA 路径")
    date: datetime | None


class SiteGroup(BaseModel):
    kind: ResultKind
    count: int
    count_exact: bool = Field(description="false 时 count 为下限（政府信息匹配过多时）")
    items: list[SiteHit]


class SiteSearchResult(BaseModel):
    q: str
    highlight: str = Field(description="查询词及其同义词")
    total: int
    groups: list[SiteGroup]

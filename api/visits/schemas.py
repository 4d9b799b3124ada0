from datetime import date

from pydantic import BaseModel, Field

from api.validation import Id
from api.visits.states import VisitKind


class VisitIn(BaseModel):
    kind: VisitKind
    id: Id


class ViewCount(BaseModel):
    views: int = Field(description="浏览次数（含尚未写入的计数）")


class DayViews(BaseModel):
    day: date
    views: int


class ItemViews(BaseModel):
    kind: VisitKind
    id: int
    title: str
    views: int


class ColumnViews(BaseModel):
    column_id: int
    name: str
    views: int


class KindViews(BaseModel):
    kind: VisitKind
    views: int


class VisitStats(BaseModel):
    date_from: date
    date_to: date
    total: int
    days: list[DayViews]
    kinds: list[KindViews]
    columns: list[ColumnViews]
    top_items: list[ItemViews]

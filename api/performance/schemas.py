from datetime import date

from pydantic import BaseModel, Field

from api.performance.states import Indicator


class WeightItem(BaseModel):
    indicator: Indicator
    weight: int = Field(ge=0, le=100)


class WeightsIn(BaseModel):
    weights: list[WeightItem] = Field(min_length=1, max_length=len(Indicator))


class IndicatorValue(BaseModel):
    indicator: Indicator
    numerator: float | None = Field(description="分子（审核时效为审核工作日合计，合规为问题数）")
    denominator: int | None = Field(description="分母（条数、件数）")
    value: float | None = Field(description="比率、平均工作日或问题数")
    score: float | None = Field(description="0–1；本期无数据时为空，不计入总分")


class DepartmentScore(BaseModel):
    unit_id: int
    unit_name: str
    rank: int
    score: float | None
    indicators: list[IndicatorValue]


class PerformanceReport(BaseModel):
    date_from: date
    date_to: date
    formula: str
    weights: list[WeightItem]
    rows: list[DepartmentScore]

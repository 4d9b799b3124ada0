"""网站绩效考核 indicators as data: their labels, default weights and the targets their scores use."""

from enum import StrEnum

from api.cases.workflow import register_enum


class Indicator(StrEnum):
    publish_on_time = "publish_on_time"  # 信息发布及时率: published within 20 working days of the written date
    review_turnaround = "review_turnaround"  # 审核时效: working days from submission to publication
    applications_on_time = "applications_on_time"  # 办件按时办结率
    letters_on_time = "letters_on_time"  # 来信按时答复率
    satisfaction = "satisfaction"  # 满意率 (好差评 4 or 5)
    radar_open = "radar_open"  # 合规检查未整改问题


INDICATOR_LABELS = {
    Indicator.publish_on_time: "信息发布及时率",
    Indicator.review_turnaround: "审核时效",
    Indicator.applications_on_time: "办件按时办结率",
    Indicator.letters_on_time: "来信按时答复率",
    Indicator.satisfaction: "办事满意率",
    Indicator.radar_open: "合规问题整改",
}

DEFAULT_WEIGHTS = {
    Indicator.publish_on_time: 20,
    Indicator.review_turnaround: 10,
    Indicator.applications_on_time: 25,
    Indicator.letters_on_time: 20,
    Indicator.satisfaction: 15,
    Indicator.radar_open: 10,
}

PUBLISH_WITHIN_DAYS = 20  # 《政府信息公开条例》第二十六条: within 20 working days of being made or changed
REVIEW_TARGET_DAYS = 3  # working days from submission to publication that score full marks
RADAR_ZERO_AT = 5  # open radar findings at which that indicator scores nothing

FORMULA = (
    "总分 = Σ(权重 × 指标得分) ÷ Σ权重 × 100，只计本期有数据的指标。指标得分：信息发布及时率 = 成文后 "
    f"{PUBLISH_WITHIN_DAYS} 个工作日内发布的条数 ÷ 有成文日期的发布条数；审核时效 = min(1, {REVIEW_TARGET_DAYS} ÷ "
    "平均审核工作日)；办件按时办结率 = 按时办结件数 ÷ 办结件数；来信按时答复率 = 按时答复件数 ÷ 答复件数；"
    f"办事满意率 = 满意及非常满意评价数 ÷ 有效评价数；合规问题整改 = max(0, 1 − 未整改问题数 ÷ {RADAR_ZERO_AT})。"
)

register_enum("performance_indicator", INDICATOR_LABELS)

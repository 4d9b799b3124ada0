from enum import StrEnum

from api.cases.workflow import register_enum


class ResultKind(StrEnum):
    disclosure = "disclosure"  # 政务公开
    service = "service"  # 办事指南
    letter = "letter"  # 公开选登的来信与答复
    survey = "survey"  # 民意调查
    consultation = "consultation"  # 征集意见


KIND_LABELS = {
    ResultKind.disclosure: "政府信息",
    ResultKind.service: "办事指南",
    ResultKind.letter: "来信选登",
    ResultKind.survey: "民意调查",
    ResultKind.consultation: "征集意见",
}

register_enum("site_search_kind", KIND_LABELS)

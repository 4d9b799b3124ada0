from pydantic import BaseModel, Field


class Term(BaseModel):
    value: str | int
    label: str = Field(description="中文名称")


class WorkflowVocabulary(BaseModel):
    label: str
    states: list[Term]
    actions: list[Term]


class Vocabulary(BaseModel):
    workflows: dict[str, WorkflowVocabulary] = Field(description="每类事项的状态与操作及其中文名称")
    enums: dict[str, list[Term]] = Field(description="其他取值表及其中文名称")

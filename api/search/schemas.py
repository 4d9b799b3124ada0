from datetime import datetime

from pydantic import BaseModel, Field, model_validator

# A word as the tokenizer sees it: CJK, letters and digits (no LIKE wildcards, no separators).
WORD = r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]+$"


class SynonymIn(BaseModel):
    term: str = Field(min_length=1, max_length=50, pattern=WORD, description="检索词，如“公车”")
    synonym: str = Field(min_length=1, max_length=50, pattern=WORD, description="同时查找的写法，如“公务用车”")

    @model_validator(mode="after")
    def _different(self) -> "SynonymIn":
        if self.term == self.synonym:
            raise ValueError("同义词不能与检索词相同")
        return self


class SynonymRead(SynonymIn):
    id: int
    created_at: datetime

from typing import Annotated

from fastapi import APIRouter, Query

from api.database import ReaderDep
from api.errors import ValidationFailed, responses
from api.sitesearch import service
from api.sitesearch.schemas import SiteSearchResult
from api.sitesearch.states import ResultKind

router = APIRouter(tags=["search"])


@router.get("/site-search", responses=responses(ValidationFailed))
async def search_site(reader: ReaderDep, q: Annotated[str, Query(min_length=1, max_length=100, description="检索词")],
                      kind: Annotated[ResultKind | None, Query(description="只查一类")] = None,
                      limit: Annotated[int, Query(ge=1, le=50, description="每类返回的条数")] = 5) -> SiteSearchResult:
    """Search the whole public site, grouped by kind with a count per kind (same tokenizer and synonyms)."""
    return await service.search(reader, q, kind, limit)

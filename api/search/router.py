from fastapi import APIRouter, status

from api.auth.dependencies import AdminUser
from api.auth.models import Role
from api.database import SessionDep
from api.errors import Forbidden, ValidationFailed, responses
from api.search import synonyms
from api.search.exceptions import SynonymExists, SynonymNotFound
from api.search.schemas import SynonymIn, SynonymRead
from api.validation import Id

router = APIRouter(prefix="/search", tags=["search"])


def _read(row: object) -> SynonymRead:
    return SynonymRead.model_validate(row, from_attributes=True)


@router.get("/synonyms", responses=responses(Forbidden))
async def list_search_synonyms(session: SessionDep, admin: AdminUser) -> list[SynonymRead]:
    """The synonym list full-text search applies (a query with the term also finds the synonym)."""
    return [_read(r) for r in await synonyms.list_synonyms(session)]


@router.post("/synonyms", status_code=status.HTTP_201_CREATED,
             responses=responses(Forbidden, SynonymExists, ValidationFailed))
async def add_search_synonym(session: SessionDep, admin: AdminUser, body: SynonymIn) -> SynonymRead:
    """Let queries holding `term` also find `synonym` (one direction; add the reverse separately)."""
    return _read(await synonyms.add_synonym(session, body, admin.actor(Role.admin)))


@router.delete("/synonyms/{synonym_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(Forbidden, SynonymNotFound))
async def delete_search_synonym(session: SessionDep, admin: AdminUser,
                                synonym_id: Id) -> None:
    """Remove a synonym from the list."""
    await synonyms.remove_synonym(session, synonym_id, admin.actor(Role.admin))

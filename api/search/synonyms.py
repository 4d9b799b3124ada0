"""The admin-managed synonym list, applied when a query is parsed (tokenizer.query_groups): 公车 also finds
公务用车. Flushes, never commits; every change is audited."""

from sqlalchemy import delete, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import Actor
from api.database import Reader
from api.search.exceptions import SynonymExists, SynonymNotFound
from api.search.models import SearchSynonym
from api.search.schemas import SynonymIn


async def for_query(reader: Reader, q: str) -> dict[str, list[str]]:
    """The synonyms of every listed term the query contains (one indexed-size read of a small table)."""
    q = (q or "").lower()[:200]
    stmt = (select(SearchSynonym.term, SearchSynonym.synonym)
            .where(literal(q).contains(SearchSynonym.term)).order_by(SearchSynonym.id))
    out: dict[str, list[str]] = {}
    for term, synonym in await reader.all(stmt, quick=True):
        out.setdefault(term, []).append(synonym)
    return out


async def list_synonyms(session: AsyncSession) -> list[SearchSynonym]:
    return list((await session.execute(select(SearchSynonym).order_by(SearchSynonym.term, SearchSynonym.id)))
                .scalars())


async def add_synonym(session: AsyncSession, data: SynonymIn, actor: Actor) -> SearchSynonym:
    row = SearchSynonym(term=data.term.lower(), synonym=data.synonym.lower(), created_by_id=actor.id)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise SynonymExists(f"“{data.term}”的同义词“{data.synonym}”已存在") from None
    await audit.record(session, actor, "search_synonym.create", "search_synonym", row.id,
                       {"term": row.term, "synonym": row.synonym})
    return row


async def remove_synonym(session: AsyncSession, synonym_id: int, actor: Actor) -> None:
    row = await session.get(SearchSynonym, synonym_id)
    if row is None:
        raise SynonymNotFound()
    await session.execute(delete(SearchSynonym).where(SearchSynonym.id == synonym_id))
    await audit.record(session, actor, "search_synonym.delete", "search_synonym", synonym_id,
                       {"term": row.term, "synonym": row.synonym})

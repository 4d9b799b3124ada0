"""One search over the public site: government information (the disclosure catalogue's own full-text search,
ranked, with its index), service guides, published letters and replies, surveys and consultations — grouped by
kind, each group with its count and its first hits.

Every group is matched by the same rule: the query parsed by api.search.tokenizer.query_groups with the
admin-managed synonyms, and a document matches when, for every run of the query, one alternative's tokens all
occur among the document's index_tokens. Disclosures go through their FTS index; the other kinds are small
public tables (tens of guides and surveys, the letters staff chose to publish), so a LIKE on each token narrows
them in SQL and the tokenizer confirms in Python."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from api.catalog import service as catalog
from api.complaints import service as complaints
from api.database import Reader, escape_like
from api.disclosures import service as disclosures
from api.search import synonyms
from api.search.highlight import highlight as mark
from api.search.highlight import snippet
from api.search.tokenizer import Alternative, index_tokens, query_groups
from api.sitesearch.schemas import SiteGroup, SiteHit, SiteSearchResult
from api.sitesearch.states import ResultKind
from api.surveys import service as surveys

K = ResultKind
MAX_SCAN = 2000  # rows of one small kind read for one query (the SQL narrowing keeps it far below)


def matches(groups: list[list[Alternative]], text: str) -> bool:
    """The tokenizer's rule: every group has an alternative whose tokens the text's index tokens all hold."""
    have = set(index_tokens(text.lower()))
    return all(any(set(alt.tokens) <= have for alt in group) for group in groups)


def _narrow(groups: list[list[Alternative]], columns: Iterable[Any]) -> ColumnElement[bool]:
    """A superset of the matches in SQL: each token occurs in one of the columns (exact for CJK bigrams)."""
    cols = list(columns)

    def has(token: str) -> ColumnElement[bool]:
        pattern = f"%{escape_like(token)}%"
        return or_(*(c.ilike(pattern, escape="\\") for c in cols))

    return and_(*(or_(*(and_(*(has(t) for t in alt.tokens)) for alt in group)) for group in groups))


def _hit(kind: ResultKind, id_: int, title: str, text: str, url: str, at: datetime | None, hl: str) -> SiteHit:
    return SiteHit(kind=kind, id=id_, title=mark(title, hl), snippet=snippet(text, hl), url=url, date=at)


def _group(kind: ResultKind, hits: list[SiteHit], limit: int) -> SiteGroup:
    return SiteGroup(kind=kind, count=len(hits), count_exact=True, items=hits[:limit])


async def _services(reader: Reader, groups: list[list[Alternative]], hl: str, limit: int) -> SiteGroup:
    Service, Version = catalog.Service, catalog.ServiceVersion
    rows = await reader.all(
        select(Service.id, Service.code, Service.category, Version.name, Version.guide, Version.created_at)
        .join(Version, and_(Version.service_id == Service.id, Version.version == Service.current_version))
        .where(Service.is_active.is_(True)).order_by(Service.sort_order, Service.id).limit(MAX_SCAN))
    hits = []
    for r in rows:
        guide = r.guide or {}
        parts = [r.name, r.category, *guide.get("legal_basis", []), *guide.get("eligibility", []),
                 *(m.get("name", "") for m in guide.get("materials", [])), *guide.get("steps", []),
                 guide.get("where", ""), guide.get("hours", "")]
        text = " ".join(p for p in parts if isinstance(p, str))
        if matches(groups, text):
            hits.append(_hit(K.service, r.id, r.name, text, f"/services/{r.code}", r.created_at, hl))
    return _group(K.service, hits, limit)


async def _letters(reader: Reader, groups: list[list[Alternative]], hl: str, limit: int) -> SiteGroup:
    P = complaints.ComplaintPublication
    rows = await reader.all(
        select(P.id, P.subject, P.body, P.reply, P.published_at)
        .where(P.withdrawn_at.is_(None), _narrow(groups, (P.subject, P.body, P.reply)))
        .order_by(P.published_at.desc(), P.id.desc()).limit(MAX_SCAN))
    hits = [_hit(K.letter, r.id, r.subject, f"{r.body} 答复：{r.reply}", f"/interaction?letter={r.id}",
                 r.published_at, hl)
            for r in rows if matches(groups, f"{r.subject} {r.body} {r.reply}")]
    return _group(K.letter, hits, limit)


async def _surveys(reader: Reader, groups: list[list[Alternative]], hl: str, limit: int) -> SiteGroup:
    S = surveys.Survey
    rows = await reader.all(
        select(S.id, S.title, S.description, S.published_at)
        .where(S.status == surveys.SurveyStatus.published, S.audience == surveys.Audience.public,
               _narrow(groups, (S.title, S.description)))
        .order_by(S.published_at.desc(), S.id.desc()).limit(MAX_SCAN))
    hits = [_hit(K.survey, r.id, r.title, r.description, f"/interaction/surveys/{r.id}", r.published_at, hl)
            for r in rows if matches(groups, f"{r.title} {r.description}")]
    return _group(K.survey, hits, limit)


async def _consultations(reader: Reader, groups: list[list[Alternative]], hl: str, limit: int) -> SiteGroup:
    C = surveys.Consultation
    rows = await reader.all(
        select(C.id, C.title, C.description, C.draft_text, C.opens_at)
        .where(C.status.in_([surveys.ConsultationStatus.open, surveys.ConsultationStatus.closed]),
               _narrow(groups, (C.title, C.description, C.draft_text)))
        .order_by(C.id.desc()).limit(MAX_SCAN))
    hits = [_hit(K.consultation, r.id, r.title, f"{r.description} {r.draft_text}",
                 f"/interaction/consultations/{r.id}", r.opens_at, hl)
            for r in rows if matches(groups, f"{r.title} {r.description} {r.draft_text}")]
    return _group(K.consultation, hits, limit)


async def _disclosures(reader: Reader, q: str, hl: str, limit: int) -> SiteGroup:
    found = await disclosures.search_public(reader, disclosures.ListFilters(q=q), None, limit)
    hits = [_hit(K.disclosure, r.id, r.title, r.summary or r.title, f"/disclosures/{r.id}", r.published_at, hl)
            for r in found.rows[:limit]]
    return SiteGroup(kind=K.disclosure, count=found.total, count_exact=found.total_exact, items=hits)


async def search(reader: Reader, q: str, kind: ResultKind | None, limit: int) -> SiteSearchResult:
    q = q.strip()
    groups = query_groups(q, await synonyms.for_query(reader, q))
    hl = " ".join(alt.text for group in groups for alt in group)
    out: list[SiteGroup] = []
    if groups:
        for k in ResultKind:
            if kind is not None and k != kind:
                continue
            if k == K.disclosure:
                out.append(await _disclosures(reader, q, hl, limit))
            elif k == K.service:
                out.append(await _services(reader, groups, hl, limit))
            elif k == K.letter:
                out.append(await _letters(reader, groups, hl, limit))
            elif k == K.survey:
                out.append(await _surveys(reader, groups, hl, limit))
            else:
                out.append(await _consultations(reader, groups, hl, limit))
    return SiteSearchResult(q=q, highlight=hl, total=sum(g.count for g in out), groups=out)

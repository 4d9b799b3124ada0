"""ORM rows and query rows turned into the API's read schemas."""

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.disclosures import richtext, service
from api.disclosures.models import Column, Disclosure, DisclosureEvent, DisclosureVersion
from api.disclosures.schemas import (
    ColumnRef,
    DisclosureEventRead,
    DisclosureLink,
    DisclosurePage,
    DisclosureRead,
    OrgRef,
    UserRef,
    VersionRead,
    VersionSummary,
    finding_models,
)
from api.disclosures.states import DISCLOSURE_VERSION, DisclosureStatus
from api.files import service as files
from api.files.schemas import AttachmentRead
from api.search.highlight import highlight, snippet

_SUMMARY_PAGE = TypeAdapter(DisclosurePage)


def _summary_dict(row: Any, q: str | None) -> dict[str, Any]:
    out = {
        "id": row.id, "index_no": row.index_no, "title": row.title, "summary": row.summary,
        "column": {"id": row.column_id, "name": row.column_name, "slug": row.column_slug},
        "publisher": {"id": row.publisher_id, "name": row.publisher_name}, "doc_no": row.doc_no,
        "topic": row.topic, "genre": row.genre, "written_date": row.written_date, "published_at": row.published_at,
        "validity": row.validity, "has_attachments": row.has_attachments, "status": row.status,
    }
    if q:
        out["title_html"] = highlight(row.title, q)
        out["snippet_html"] = snippet(richtext.plain_text(row.body_html) or row.summary, q)
    return out


def summary_page_json(rows: list[Any], next_cursor: str | None, q: str | None = None, total: int | None = None,
                      total_exact: bool | None = None) -> bytes:
    """A page of list_public / search_public rows as the JSON of DisclosurePage, validated against it in one
    pass (building twenty models one by one costs more than the query behind them)."""
    page = {"items": [_summary_dict(r, q) for r in rows], "next_cursor": next_cursor, "total": total,
            "total_exact": total_exact}
    return _SUMMARY_PAGE.dump_json(_SUMMARY_PAGE.validate_python(page))


def attachment_read(a: Any) -> AttachmentRead:
    return AttachmentRead(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256,
                          created_at=a.created_at)


async def disclosure_read(session: AsyncSession, d: Disclosure, principal: Principal | None) -> DisclosureRead:
    col, unit = await service.names(session, d.column_id, d.publisher_id)
    staff_view = d.status != DisclosureStatus.published or bool(
        principal and principal.is_staff and principal.scope_paths(*service.STAFF_ROLES))
    attachments = await service.public_attachments(session, d, staff_view)
    policy, readings = await service.policy_links(session, d, staff_view)
    return DisclosureRead(
        interprets=DisclosureLink(id=policy.id, title=policy.title) if policy else None,
        interpretations=[DisclosureLink(id=x.id, title=x.title) for x in readings],
        id=d.id, index_no=d.index_no, title=d.title, summary=d.summary,
        column=ColumnRef(id=col.id, name=col.name, slug=col.slug), publisher=OrgRef(id=unit.id, name=unit.name),
        doc_no=d.doc_no, topic=d.topic, genre=d.genre, written_date=d.written_date, published_at=d.published_at,
        validity=d.validity, has_attachments=d.has_attachments, status=d.status, body_html=d.body_html,
        effective_date=d.effective_date, invalid_date=d.invalid_date, version_no=d.version_no,
        first_published_at=d.first_published_at, updated_at=d.updated_at, view_count=d.view_count,
        attachments=[attachment_read(a) for a in attachments],
        retracted_at=d.retracted_at if staff_view else None,
        retract_reason=d.retract_reason if staff_view else None,
        pending_version_id=await service.pending_version_id(session, d.id) if staff_view else None,
    )


def _summary_fields(v: DisclosureVersion, ctx: dict[str, Any]) -> dict[str, Any]:
    col: Column = ctx["columns"][v.column_id]
    index_no, _ = ctx["disclosures"].get(v.disclosure_id, (None, None))
    return dict(
        id=v.id, disclosure_id=v.disclosure_id, version_no=v.version_no, status=v.status,
        status_label=DISCLOSURE_VERSION.state_labels[v.status], title=v.title,
        column=ColumnRef(id=col.id, name=col.name, slug=col.slug),
        publisher=OrgRef(id=v.publisher_id, name=ctx["units"].get(v.publisher_id, "")),
        author=UserRef(id=v.author_id, name=ctx["users"].get(v.author_id, "")), index_no=index_no,
        review_levels=v.review_levels, approved_levels=v.approved_levels, finding_count=len(v.findings or []),
        blocking_count=sum(1 for f in v.findings or [] if f.get("blocking")), updated_at=v.updated_at,
        submitted_at=v.submitted_at,
    )


async def version_summaries(session: AsyncSession, versions: list[DisclosureVersion]) -> list[VersionSummary]:
    ctx = await service.version_context(session, versions)
    return [VersionSummary(**_summary_fields(v, ctx)) for v in versions]


async def version_read(session: AsyncSession, v: DisclosureVersion, principal: Principal) -> VersionRead:
    ctx = await service.version_context(session, [v])
    _, path = await service.column_path(session, v.column_id)
    _, d_status = ctx["disclosures"][v.disclosure_id]
    attachments = await files.list_for(session, service.VERSION_OWNER, [v.id])
    return VersionRead(
        **_summary_fields(v, ctx), summary=v.summary, body_html=v.body_html, doc_no=v.doc_no, topic=v.topic,
        genre=v.genre, written_date=v.written_date, validity=v.validity, effective_date=v.effective_date,
        invalid_date=v.invalid_date, interprets_id=v.interprets_id, change_note=v.change_note, is_major=v.is_major,
        findings=finding_models(v.findings or []), personal_data_confirmed=v.personal_data_confirmed,
        attachments=[attachment_read(a) for a in attachments], disclosure_status=d_status,
        created_at=v.created_at, published_at=v.published_at,
        allowed_actions=service.allowed_actions(principal, v, path, d_status),
    )


def event_read(e: DisclosureEvent, version_no: int | None) -> DisclosureEventRead:
    return DisclosureEventRead(id=e.id, version_id=e.version_id, version_no=version_no, action=e.action,
                     from_status=e.from_status, to_status=e.to_status, review_level=e.review_level,
                     comment=e.comment, actor=UserRef(id=e.actor_id, name=e.actor_name), actor_role=e.actor_role,
                     at=e.at)


from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile, status

from api import conditional
from api.auth.dependencies import AdminUser, OptionalUser, StaffUser
from api.auth.models import Role
from api.database import ReaderDep, SessionDep
from api.disclosures import changelog, feeds, search, service, views
from api.disclosures.dependencies import ReadableDisclosure, ReadableVersion, StaffDisclosure, VersionForUpdate
from api.disclosures.exceptions import (
    ClassifiedContent,
    ColumnNotFound,
    DisclosureNotFound,
    IndexSchemeInvalid,
    NotInScope,
    PendingVersionExists,
    PersonalDataUnconfirmed,
    SelfApproval,
)
from api.disclosures.schemas import (
    ChangeRead,
    ChangesPage,
    ColumnNode,
    ColumnUpdate,
    DisclosureCommentIn,
    DisclosureCreate,
    DisclosureEventRead,
    DisclosurePage,
    DisclosureRead,
    IndexSchemeIn,
    IndexSchemeRead,
    PublishIn,
    RetractIn,
    SendBackIn,
    VersionRead,
    VersionSummary,
    VersionUpdate,
)
from api.disclosures.states import Validity, VersionStatus
from api.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    responses,
)
from api.files import service as files
from api.files.schemas import DOWNLOAD_RESPONSES, AttachmentRead
from api.pagination import CursorParam, LimitParam, Page, link_header, set_link_header
from api.publiccache.middleware import public_read
from api.validation import Id

router = APIRouter(tags=["disclosures"])
feeds_router = APIRouter(prefix="/feeds", tags=["feeds"])

ColumnFilter = Annotated[Id | None, Query(description="栏目（含下级栏目）")]
FeedColumnFilter = Annotated[Id | None, Query(description="栏目（不含下级栏目）")]
PublisherFilter = Annotated[Id | None, Query(description="发布机构")]
TopicFilter = Annotated[str | None, Query(min_length=1, max_length=50, description="主题分类")]


# ---- public catalogue -------------------------------------------------------------------------

@router.get("/columns", tags=["columns"])
@public_read(ttl=60)  # each column's staleness moves with the clock
async def list_columns(session: SessionDep) -> list[ColumnNode]:
    """The 信息公开目录 as a tree, with published item counts and staleness."""
    return [ColumnNode.model_validate(n) for n in await service.column_tree(session)]


@router.patch("/columns/{column_id}", tags=["columns"], responses=responses(ColumnNotFound, Forbidden))
async def update_column(session: SessionDep, admin: AdminUser, column_id: Id,
                        body: ColumnUpdate) -> ColumnNode:
    """Change a column's name, freshness class, homepage flag or number of review levels."""
    await service.update_column(session, column_id, body.model_dump(exclude_unset=True), admin.actor(Role.admin))
    tree = await service.column_tree(session)
    todo = list(tree)
    while todo:
        node = todo.pop()
        if node["id"] == column_id:
            return ColumnNode.model_validate(node)
        todo.extend(node["children"])
    raise ColumnNotFound()


@router.put("/disclosure-index-schemes/{org_unit_id}", tags=["columns"],
            responses=responses(Forbidden, NotFound, IndexSchemeInvalid))
async def set_index_scheme(session: SessionDep, admin: AdminUser, org_unit_id: Id,
                           body: IndexSchemeIn) -> IndexSchemeRead:
    """Set an organisation's 索引号 pattern (fields {org_code}, {year}, {seq}); numbers already given stay."""
    s = await service.set_index_scheme(session, org_unit_id, body, admin.actor(Role.admin))
    return IndexSchemeRead(org_unit_id=s.org_unit_id, org_code=s.org_code, pattern=s.pattern)


@router.get("/disclosures", response_model=DisclosurePage, responses=responses(ValidationFailed))
@public_read()
async def list_disclosures(
    request: Request, reader: ReaderDep, limit: LimitParam = 20, cursor: CursorParam = None,
    column_id: ColumnFilter = None, publisher_id: PublisherFilter = None,
    topic: Annotated[str | None, Query(max_length=50, description="主题分类")] = None,
    genre: Annotated[str | None, Query(max_length=50, description="体裁")] = None,
    validity: Annotated[Validity | None, Query(description="有效性")] = None,
    date_from: Annotated[date | None, Query(description="发布日期起")] = None,
    date_to: Annotated[date | None, Query(description="发布日期止")] = None,
    q: Annotated[str | None, Query(max_length=100, description="全文检索（标题、正文、文号、索引号）")] = None,
) -> Response:
    """Published items, newest first; with q, every match in pages (an exact 文号 or 索引号 first, then by
    relevance, then older matches newest first), with highlighted snippets and the total."""
    f = search.ListFilters(column_id=column_id, publisher_id=publisher_id, topic=topic, genre=genre,
                           validity=validity, date_from=date_from, date_to=date_to, q=q)
    if q and q.strip():
        found = await search.search_public(reader, f, cursor, limit)
        body = views.summary_page_json(found.rows, found.next_cursor, found.highlight, found.total,
                                       found.total_exact)
        return Response(body, media_type="application/json", headers=link_header(request, found.next_cursor))
    rows, next_cursor = await search.list_public(reader, f, cursor, limit)
    body = views.summary_page_json(rows, next_cursor)
    return Response(body, media_type="application/json", headers=link_header(request, next_cursor))


@router.get("/disclosures/changes", response_model=ChangesPage, responses=responses(ValidationFailed))
@public_read()
async def list_disclosure_changes(
    request: Request, reader: ReaderDep,
    since: Annotated[str, Query(pattern=r"^\d{1,18}$", description="上次返回的 next_cursor；首次传 0")] = "0",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    column_id: Id | None = None, publisher_id: PublisherFilter = None,
    topic: TopicFilter = None,
) -> Response:
    """Created, updated and retracted events after `since`, in commit order, for mirrors; filtered, also
    `removed` when an item leaves the filter (moved to another column, publisher or topic)."""
    f = changelog.FeedFilter(column_id, publisher_id, topic)
    seq, at = await changelog.feed_validator(reader, f)
    headers = feeds.validators(f"changes-{since}", seq, at)
    cached = conditional.not_modified(request, headers, at)
    if cached:
        return cached
    rows, more = await changelog.changes(reader, int(since), limit, f)
    base = str(request.base_url).rstrip("/")
    items = [ChangeRead(seq=c.seq, kind=c.kind, disclosure_id=c.disclosure_id, index_no=c.index_no,
                        version_no=c.version_no, at=c.at, url=f"{base}/api/v1/disclosures/{c.disclosure_id}")
             for c in rows]
    body = ChangesPage(items=items, next_cursor=str(items[-1].seq if items else since), has_more=more)
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


@router.get("/disclosures/by-index-no", responses=responses(DisclosureNotFound))
@public_read()
async def get_disclosure_by_index_no(
    session: SessionDep, principal: OptionalUser,
    index_no: Annotated[str, Query(min_length=1, max_length=64, description="索引号")],
) -> DisclosureRead:
    """One item looked up by its 索引号."""
    d = await service.get_by_index_no(session, principal, index_no)
    return await views.disclosure_read(session, d, principal)


@router.get("/disclosures/{disclosure_id}", responses=responses(DisclosureNotFound))
@public_read()
async def get_disclosure(session: SessionDep, principal: OptionalUser, d: ReadableDisclosure) -> DisclosureRead:
    """One item with its metadata and attachments (staff also see unpublished and retracted ones)."""
    return await views.disclosure_read(session, d, principal)


@router.get("/disclosures/{disclosure_id}/attachments/{attachment_id}", response_class=Response,
            responses={**responses(DisclosureNotFound, NotFound), **DOWNLOAD_RESPONSES})
async def download_disclosure_attachment(
    session: SessionDep, principal: OptionalUser, disclosure_id: Id,
    attachment_id: Id,
) -> Response:
    """Download an attachment of an item the caller may read."""
    row = await service.public_attachment(session, principal, disclosure_id, attachment_id)
    return files.download_response(row)


# ---- staff workspace --------------------------------------------------------------------------

@router.post("/disclosures", status_code=status.HTTP_201_CREATED,
             responses=responses(ColumnNotFound, NotInScope, ValidationFailed))
async def create_disclosure(session: SessionDep, principal: StaffUser, body: DisclosureCreate) -> VersionRead:
    """Start a new item as a draft (an editor of the column's unit)."""
    v = await service.create_disclosure(session, principal, body)
    return await views.version_read(session, v, principal)


@router.post("/disclosures/{disclosure_id}/versions", status_code=status.HTTP_201_CREATED,
             responses=responses(DisclosureNotFound, NotInScope, InvalidTransition, PendingVersionExists))
async def revise_disclosure(session: SessionDep, principal: StaffUser, d: StaffDisclosure) -> VersionRead:
    """Start a new version of a published item; the published version stays online meanwhile."""
    v = await service.revise(session, principal, d)
    return await views.version_read(session, v, principal)


@router.post("/disclosures/{disclosure_id}/retract",
             responses=responses(DisclosureNotFound, NotInScope, InvalidTransition))
async def retract_disclosure(session: SessionDep, principal: StaffUser, d: StaffDisclosure,
                             body: RetractIn) -> DisclosureRead:
    """Withdraw a published item at once (public 404, feed tombstone); the reason is recorded."""
    await service.retract(session, principal, d, body.reason)
    return await views.disclosure_read(session, d, principal)


@router.get("/disclosures/{disclosure_id}/history", responses=responses(DisclosureNotFound))
async def list_disclosure_history(
    session: SessionDep, principal: StaffUser, d: StaffDisclosure
) -> list[DisclosureEventRead]:
    """Every transition of an item's versions: who, when, the comment."""
    return [views.event_read(e, no) for e, no in await service.history(session, d.id)]


@router.get("/disclosure-versions", responses=responses(ValidationFailed))
async def list_disclosure_versions(
    request: Request, response: Response, session: SessionDep, principal: StaffUser,
    queue: Annotated[str, Query(pattern="^(mine|review|secrecy|all)$",
                                description="mine 我的稿件；review 待审核；secrecy 待保密审查；all 全部")] = "mine",
    status_: Annotated[VersionStatus | None, Query(alias="status")] = None,
    limit: LimitParam = 20, cursor: CursorParam = None,
) -> Page[VersionSummary]:
    """The caller's drafts, review queue or secrecy-review queue, newest first."""
    rows, next_cursor = await service.list_queue(session, principal, queue, status_, cursor, limit)
    set_link_header(request, response, next_cursor)
    return Page(items=await views.version_summaries(session, rows), next_cursor=next_cursor)


@router.get("/disclosure-versions/{version_id}", responses=responses(NotFound))
async def get_disclosure_version(session: SessionDep, principal: StaffUser, v: ReadableVersion) -> VersionRead:
    """One version with its check findings, attachments and the caller's allowed actions."""
    return await views.version_read(session, v, principal)


@router.patch("/disclosure-versions/{version_id}",
              responses=responses(NotFound, NotInScope, InvalidTransition, ValidationFailed))
async def update_disclosure_version(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                    body: VersionUpdate) -> VersionRead:
    """Edit a draft."""
    await service.update_version(session, principal, v, body)
    return await views.version_read(session, v, principal)


@router.post("/disclosure-versions/{version_id}/attachments", status_code=status.HTTP_201_CREATED,
             responses=responses(NotFound, NotInScope, InvalidTransition, PayloadTooLarge, UnsupportedMediaType))
async def upload_disclosure_attachment(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                       file: UploadFile) -> AttachmentRead:
    """Attach a file to a draft (pdf, ofd, doc, docx, xls, xlsx, jpg, png; type checked from content)."""
    row = await service.add_attachment(session, principal, v, file)
    return views.attachment_read(row)


@router.delete("/disclosure-versions/{version_id}/attachments/{attachment_id}",
               status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound, NotInScope, InvalidTransition))
async def delete_disclosure_attachment(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                       attachment_id: Id) -> None:
    """Remove an attachment from a draft."""
    await service.remove_attachment(session, principal, v, attachment_id)


@router.get("/disclosure-versions/{version_id}/attachments/{attachment_id}", response_class=Response,
            responses={**responses(NotFound), **DOWNLOAD_RESPONSES})
async def download_version_attachment(session: SessionDep, principal: StaffUser, v: ReadableVersion,
                                      attachment_id: Id) -> Response:
    """Download an attachment of a version under review."""
    return files.download_response(await files.get_for(session, service.VERSION_OWNER, v.id, attachment_id))


@router.post("/disclosure-versions/{version_id}/submit",
             responses=responses(NotFound, NotInScope, InvalidTransition, ClassifiedContent))
async def submit_disclosure_version(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                    body: DisclosureCommentIn) -> VersionRead:
    """Send a draft to review after the pre-publication check (classification markings refuse it)."""
    await service.submit(session, principal, v, body.comment)
    return await views.version_read(session, v, principal)


@router.post("/disclosure-versions/{version_id}/approve",
             responses=responses(NotFound, NotInScope, SelfApproval, InvalidTransition))
async def approve_disclosure_version(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                     body: DisclosureCommentIn) -> VersionRead:
    """Approve one review level (a reviewer of the column's unit, never the author)."""
    await service.approve(session, principal, v, body.comment)
    return await views.version_read(session, v, principal)


@router.post("/disclosure-versions/{version_id}/send-back",
             responses=responses(NotFound, NotInScope, SelfApproval, InvalidTransition))
async def send_back_disclosure_version(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                       body: SendBackIn) -> VersionRead:
    """Return a version to its author as a draft, with the reason."""
    await service.send_back(session, principal, v, body.comment)
    return await views.version_read(session, v, principal)


@router.post("/disclosure-versions/{version_id}/publish",
             responses=responses(NotFound, NotInScope, SelfApproval, InvalidTransition, ClassifiedContent,
                                 PersonalDataUnconfirmed))
async def publish_disclosure_version(session: SessionDep, principal: StaffUser, v: VersionForUpdate,
                                     body: PublishIn) -> VersionRead:
    """Clear the secrecy review and publish (personal data must be confirmed; markings refuse it)."""
    await service.publish(session, principal, v, body.comment, body.confirm_personal_data)
    return await views.version_read(session, v, principal)


# ---- feeds ------------------------------------------------------------------------------------

def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@feeds_router.get("/disclosures.atom", response_class=Response,
                  responses={200: {"description": "Atom 1.0", "content": {"application/atom+xml": {}}},
                             304: {"description": "未变化"}})
@public_read()
async def disclosures_atom_feed(request: Request, reader: ReaderDep, column_id: FeedColumnFilter = None,
                                publisher_id: PublisherFilter = None, topic: TopicFilter = None) -> Response:
    """Latest published items as Atom, with at:deleted-entry tombstones for retracted ones and for items that
    left the filter."""
    f = changelog.FeedFilter(column_id, publisher_id, topic)
    seq, at = await changelog.feed_validator(reader, f)
    headers = feeds.validators("atom", seq, at)
    headers["Link"] = feeds.link_header(_base(request), str(request.url))
    cached = conditional.not_modified(request, headers, at)
    if cached:
        return cached
    rows = await changelog.feed_entries(reader, f)
    body = feeds.atom(rows, await changelog.departures(reader, f), _base(request), str(request.url), at)
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


@feeds_router.get("/disclosures.json", response_class=Response,
                  responses={200: {"description": "JSON Feed 1.1", "content": {"application/feed+json": {}}},
                             304: {"description": "未变化"}})
@public_read()
async def disclosures_json_feed(request: Request, reader: ReaderDep, column_id: FeedColumnFilter = None,
                                publisher_id: PublisherFilter = None, topic: TopicFilter = None) -> Response:
    """Latest published items as JSON Feed 1.1; retracted items and items that left the filter are listed
    under the `_zhengwu.deleted_items` extension."""
    f = changelog.FeedFilter(column_id, publisher_id, topic)
    seq, at = await changelog.feed_validator(reader, f)
    headers = feeds.validators("json", seq, at)
    headers["Link"] = feeds.link_header(_base(request), str(request.url))
    cached = conditional.not_modified(request, headers, at)
    if cached:
        return cached
    rows = await changelog.feed_entries(reader, f)
    body = feeds.json_feed(rows, await changelog.departures(reader, f), _base(request), str(request.url))
    return Response(body, media_type="application/feed+json; charset=utf-8", headers=headers)

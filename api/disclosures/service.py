"""Disclosure rules and queries: visibility, columns, 索引号, the review and secrecy workflow and the staff
workspace. The domain's public interface for other domains: the public catalogue and search (search.py) and
the change log and feeds (changelog.py) are re-exported here. Flushes, never commits."""

import re
import string
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit, Role, User
from api.auth.principal import Principal
from api.cases import service as cases
from api.cases.service import in_units_under
from api.config import get_settings
from api.database import get_reader, utcnow
from api.disclosures import changelog, checks, feeds, richtext
from api.disclosures.changelog import FEED_HEAD, record_change
from api.disclosures.changelog import changes as changes
from api.disclosures.changelog import feed_entries as feed_entries
from api.disclosures.changelog import feed_heads as feed_heads
from api.disclosures.changelog import feed_validator as feed_validator
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
from api.disclosures.models import (
    Column,
    Disclosure,
    DisclosureEvent,
    DisclosureVersion,
    IndexCounter,
    IndexScheme,
)

# The rich-text allow-list, for other domains' staff-written pages (api/sitepages).
from api.disclosures.richtext import clean_html as clean_html
from api.disclosures.richtext import plain_text as plain_text
from api.disclosures.schemas import DisclosureCreate, IndexSchemeIn, VersionUpdate
from api.disclosures.search import ListFilters as ListFilters
from api.disclosures.search import list_public as list_public
from api.disclosures.search import search_public as search_public
from api.disclosures.states import (
    DISCLOSURE_VERSION,
    IN_REVIEW,
    PENDING,
    STALE_AFTER_DAYS,
    Action,
    ChangeKind,
    DisclosureStatus,
    Validity,
    VersionStatus,
)
from api.errors import InvalidTransition, NotFound, ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.pagination import keyset_page
from api.publiccache import service as publiccache
from api.search.tokenizer import index_text
from api.websub import service as websub

SHANGHAI = ZoneInfo("Asia/Shanghai")
VERSION_OWNER = "disclosure_version"
DEFAULT_PATTERN = "{org_code}/{year}-{seq:05d}"
STAFF_ROLES = (Role.editor, Role.reviewer, Role.secrecy_officer)


async def add_views(session: AsyncSession, counts: dict[int, int]) -> dict[int, int]:
    """Add counted page views to published items (api.visits flushes them in batches); returns the column of
    each item that took its views (ids of other items are ignored)."""
    rows = (await session.execute(select(Disclosure.id, Disclosure.column_id).where(
        Disclosure.id.in_(list(counts)), Disclosure.status == DisclosureStatus.published))).all()
    columns = {i: c for i, c in rows}
    if columns:
        stmt = (update(Disclosure.__table__).where(Disclosure.__table__.c.id == bindparam("did"))  # type: ignore[arg-type]
                .values(view_count=Disclosure.__table__.c.view_count + bindparam("n")))
        await session.execute(stmt, [{"did": i, "n": counts[i]} for i in columns])
    return columns


# ---- visibility -------------------------------------------------------------------------------

def _columns_of(principal: Principal, *roles: Role) -> Select[Any]:
    """The columns owned by units where the principal holds one of `roles`."""
    return select(Column.id).where(in_units_under(Column.owner_unit_id, principal, *roles))


def readable_by(principal: Principal | None) -> Select[Any]:
    """Published items for everyone; staff also see every item of their units' columns and their own."""
    stmt = select(Disclosure)
    if principal is None or not principal.is_staff or not principal.scope_paths(*STAFF_ROLES):
        return stmt.where(Disclosure.status == DisclosureStatus.published)
    return stmt.where(or_(
        Disclosure.status == DisclosureStatus.published,
        Disclosure.column_id.in_(_columns_of(principal, *STAFF_ROLES)),
        Disclosure.created_by_id == principal.id,
    ))


def versions_readable_by(principal: Principal) -> Select[Any]:
    """Versions are working copies: staff of the column's unit and the author see them."""
    if not principal.is_staff or not principal.scope_paths(*STAFF_ROLES):
        return select(DisclosureVersion).where(DisclosureVersion.author_id == principal.id)
    return select(DisclosureVersion).where(or_(
        DisclosureVersion.column_id.in_(_columns_of(principal, *STAFF_ROLES)),
        DisclosureVersion.author_id == principal.id))


async def get_disclosure(session: AsyncSession, principal: Principal | None, disclosure_id: int) -> Disclosure:
    row = (await session.execute(readable_by(principal).where(Disclosure.id == disclosure_id))).scalar_one_or_none()
    if row is None:
        raise DisclosureNotFound()
    return row


async def get_by_index_no(session: AsyncSession, principal: Principal | None, index_no: str) -> Disclosure:
    row = (await session.execute(readable_by(principal).where(Disclosure.index_no == index_no))).scalar_one_or_none()
    if row is None:
        raise DisclosureNotFound()
    return row


async def get_version(session: AsyncSession, principal: Principal, version_id: int,
                      for_update: bool = False) -> DisclosureVersion:
    stmt = versions_readable_by(principal).where(DisclosureVersion.id == version_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise NotFound("版本不存在")
    return row


# ---- columns ----------------------------------------------------------------------------------

async def column_path(session: AsyncSession, column_id: int) -> tuple[Column, str]:
    row = (await session.execute(
        select(Column, OrgUnit.path).join(OrgUnit, OrgUnit.id == Column.owner_unit_id).where(Column.id == column_id)
    )).first()
    if row is None:
        raise ColumnNotFound()
    return row[0], row[1]


_COLUMN_COUNTS = (select(Disclosure.column_id, func.count(), func.max(Disclosure.published_at))
                  .where(Disclosure.status == DisclosureStatus.published).group_by(Disclosure.column_id))
# Published counts per column, and the change-log head they were counted at. Every publication, update and
# retraction moves the head, so while it stands still the counts stand too (counting 1M items takes ~0.1 s).
_counts_cache: tuple[tuple[int, datetime | None], dict[int, tuple[int, datetime | None]]] | None = None


async def _column_counts(session: AsyncSession) -> dict[int, tuple[int, datetime | None]]:
    global _counts_cache
    head_row = (await session.execute(FEED_HEAD)).first()
    head = (int(head_row[0]), head_row[1]) if head_row else (0, None)
    if head[0] and _counts_cache is not None and _counts_cache[0] == head:
        return _counts_cache[1]
    counts = {r[0]: (r[1], r[2]) for r in (await session.execute(_COLUMN_COUNTS)).all()}
    if head[0]:  # an empty change log says nothing about rows loaded without one
        _counts_cache = (head, counts)
    return counts


async def column_tree(session: AsyncSession, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    counts = await _column_counts(session)
    rows = (await session.execute(
        select(Column, OrgUnit.name).join(OrgUnit, OrgUnit.id == Column.owner_unit_id)
        .order_by(Column.sort_order, Column.id))).all()
    nodes: dict[int, dict[str, Any]] = {}
    for col, unit_name in rows:
        count, latest = counts.get(col.id, (0, None))
        stale_days = STALE_AFTER_DAYS[col.freshness]
        stale = stale_days is not None and (latest is None or now - latest > timedelta(days=stale_days))
        nodes[col.id] = {
            "id": col.id, "parent_id": col.parent_id, "name": col.name, "slug": col.slug,
            "freshness": col.freshness, "is_homepage": col.is_homepage, "review_levels": col.review_levels,
            "owner_unit": {"id": col.owner_unit_id, "name": unit_name}, "item_count": count,
            "total_count": count, "latest_published_at": latest, "is_stale": stale, "children": [],
        }
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"]) if node["parent_id"] else None
        (parent["children"] if parent else roots).append(node)

    def total(node: dict[str, Any]) -> int:
        node["total_count"] = node["item_count"] + sum(total(c) for c in node["children"])
        return int(node["total_count"])

    for root in roots:
        total(root)
    return roots


async def update_column(session: AsyncSession, column_id: int, changes: dict[str, Any], actor: Actor) -> Column:
    col = (await session.execute(select(Column).where(Column.id == column_id))).scalar_one_or_none()
    if col is None:
        raise ColumnNotFound()
    for k, v in changes.items():
        setattr(col, k, v)
    await session.flush()
    await audit.record(session, actor, "column.update", "column", col.id, changes)
    await publiccache.changed(session)  # the column tree, and every page naming the column
    return col


# ---- 索引号 -----------------------------------------------------------------------------------

def validate_pattern(pattern: str, org_code: str = "X") -> None:
    try:
        parsed = [(f, spec) for _, f, spec, _ in string.Formatter().parse(pattern) if f is not None]
        fields = {f for f, _ in parsed}
        if "seq" not in fields or not fields <= {"org_code", "year", "seq"}:
            raise ValueError
        # A width such as {seq:0>999999999999} would build that string (MemoryError); an 索引号 has at most 64.
        if any("{" in (spec or "") or any(int(n) > 64 for n in re.findall(r"\d+", spec or "")) for _, spec in parsed):
            raise ValueError
        if len(pattern.format(org_code=org_code, year=2026, seq=10**8)) > 64:
            raise ValueError
    except (ValueError, KeyError, IndexError) as exc:
        raise IndexSchemeInvalid("索引号规则只能使用 {org_code}、{year}、{seq}，且必须包含 {seq}；"
                                 "生成的索引号不超过 64 个字符") from exc


async def set_index_scheme(session: AsyncSession, org_unit_id: int, data: IndexSchemeIn, actor: Actor) -> IndexScheme:
    validate_pattern(data.pattern, data.org_code)
    if await session.get(OrgUnit, org_unit_id) is None:
        raise NotFound("单位不存在")
    scheme = await session.get(IndexScheme, org_unit_id)
    if scheme is None:
        scheme = IndexScheme(org_unit_id=org_unit_id, org_code=data.org_code, pattern=data.pattern)
        session.add(scheme)
    else:
        scheme.org_code, scheme.pattern = data.org_code, data.pattern
    await session.flush()
    await audit.record(session, actor, "index_scheme.set", "org_unit", org_unit_id, data.model_dump())
    return scheme


async def _next_seq(session: AsyncSession, owner_id: int, year: int) -> int:
    bump = (update(IndexCounter).where(IndexCounter.org_unit_id == owner_id, IndexCounter.year == year)
            .values(last_seq=IndexCounter.last_seq + 1).returning(IndexCounter.last_seq))
    seq = (await session.execute(bump)).scalar_one_or_none()
    if seq is not None:
        return int(seq)
    try:
        async with session.begin_nested():
            await session.execute(insert(IndexCounter).values(org_unit_id=owner_id, year=year, last_seq=1))
        return 1
    except IntegrityError:  # another publisher created the counter first: take the next one
        return int((await session.execute(bump)).scalar_one())


async def assign_index_no(session: AsyncSession, publisher: OrgUnit, at: datetime) -> str:
    """Number from the nearest scheme up the publisher's tree; a number is never handed out twice."""
    ancestors = [int(p) for p in publisher.path.strip("/").split("/") if p] or [publisher.id]
    schemes = {s.org_unit_id: s for s in (await session.execute(
        select(IndexScheme).where(IndexScheme.org_unit_id.in_(ancestors)))).scalars()}
    scheme = next((schemes[i] for i in reversed(ancestors) if i in schemes), None)
    owner_id = scheme.org_unit_id if scheme else publisher.id
    pattern = scheme.pattern if scheme else DEFAULT_PATTERN
    org_code = scheme.org_code if scheme else publisher.code
    year = at.astimezone(SHANGHAI).year
    while True:
        index_no = pattern.format(org_code=org_code, year=year, seq=await _next_seq(session, owner_id, year))
        taken = (await session.execute(select(Disclosure.id).where(Disclosure.index_no == index_no))).first()
        if taken is None:
            return index_no


# ---- drafting ---------------------------------------------------------------------------------

CONTENT_FIELDS = ("column_id", "publisher_id", "title", "summary", "body_html", "doc_no", "topic", "genre",
                  "written_date", "validity", "effective_date", "invalid_date", "interprets_id")


def _copy_content(src: Any, dst: Any) -> None:
    for f in CONTENT_FIELDS:
        setattr(dst, f, getattr(src, f))


def _search_text(d: Disclosure) -> str:
    body = richtext.plain_text(d.body_html)
    return index_text(d.title, d.title, d.summary, body, d.doc_no, d.index_no)


async def _require_scope(session: AsyncSession, principal: Principal, role: Role, column_id: int) -> Column:
    col, path = await column_path(session, column_id)
    if not principal.covers(role, path):
        raise NotInScope()
    return col


async def _check_publisher(session: AsyncSession, publisher_id: int) -> None:
    if await session.get(OrgUnit, publisher_id) is None:
        raise ValidationFailed([{"field": "publisher_id", "in": "body", "message": "发布机构不存在",
                                 "type": "not_found"}])


async def _check_interprets(session: AsyncSession, policy_id: int | None, own_id: int | None) -> None:
    """A 政策解读 names an existing item other than itself as the policy it interprets."""
    if policy_id is None:
        return
    if policy_id == own_id or await session.get(Disclosure, policy_id) is None:
        raise ValidationFailed([{"field": "interprets_id", "in": "body", "message": "所解读的政策文件不存在",
                                 "type": "disclosure"}])


async def policy_links(session: AsyncSession, d: Disclosure, staff_view: bool) -> tuple[Any, list[Any]]:
    """The policy this item interprets and the 政策解读 of this item: (id, title) rows, published only for the
    public."""
    def visible(stmt: Any) -> Any:
        return stmt if staff_view else stmt.where(Disclosure.status == DisclosureStatus.published)

    policy = None
    if d.interprets_id is not None:
        policy = (await session.execute(visible(select(Disclosure.id, Disclosure.title).where(
            Disclosure.id == d.interprets_id)))).first()
    readings = list((await session.execute(visible(select(Disclosure.id, Disclosure.title).where(
        Disclosure.interprets_id == d.id).order_by(Disclosure.id)))).all())
    return policy, readings


def _allowed(v: DisclosureVersion, action: Action) -> None:
    """409 naming state and action in Chinese, before a step changes anything."""
    if not DISCLOSURE_VERSION.can(v.status, action):
        raise DISCLOSURE_VERSION.refusal(v.status, action)


async def create_disclosure(session: AsyncSession, principal: Principal, data: DisclosureCreate) -> DisclosureVersion:
    await _require_scope(session, principal, Role.editor, data.column_id)
    publisher_id = data.publisher_id or principal.org_unit_id
    if publisher_id is None:
        raise ValidationFailed([{"field": "publisher_id", "in": "body", "message": "请选择发布机构",
                                 "type": "missing"}])
    await _check_publisher(session, publisher_id)
    await _check_interprets(session, data.interprets_id, None)
    values = data.model_dump(exclude={"publisher_id", "change_note", "is_major"})
    values["body_html"] = richtext.clean_html(data.body_html)
    d = Disclosure(**values, publisher_id=publisher_id, created_by_id=principal.id, search_text="")
    session.add(d)
    await session.flush()
    v = DisclosureVersion(disclosure_id=d.id, version_no=1, status=VersionStatus.draft, author_id=principal.id,
                          change_note=data.change_note, is_major=True, findings=[])
    _copy_content(d, v)
    await cases.create(session, v, principal.actor(Role.editor))
    return v


async def update_version(session: AsyncSession, principal: Principal, v: DisclosureVersion,
                         data: VersionUpdate) -> DisclosureVersion:
    await _require_scope(session, principal, Role.editor, v.column_id)
    if v.status != VersionStatus.draft:
        raise InvalidTransition("只有草稿可以修改；请先退回")
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        del changes["title"]
    if "column_id" in changes and changes["column_id"] is not None:
        await _require_scope(session, principal, Role.editor, changes["column_id"])
    elif "column_id" in changes:
        del changes["column_id"]
    if changes.get("publisher_id") is not None:
        await _check_publisher(session, changes["publisher_id"])
    elif "publisher_id" in changes:
        del changes["publisher_id"]
    if "body_html" in changes:
        changes["body_html"] = richtext.clean_html(changes["body_html"] or "")
    if changes.get("interprets_id") is not None:
        await _check_interprets(session, changes["interprets_id"], v.disclosure_id)
    for k, val in changes.items():
        setattr(v, k, val)
    from api.disclosures.schemas import DisclosureFields

    try:
        DisclosureFields.model_validate({f: getattr(v, f) for f in DisclosureFields.model_fields})
    except ValueError as exc:
        raise ValidationFailed([{"field": "validity", "in": "body", "message": str(exc), "type": "value_error"}]) \
            from None
    v.findings = []
    v.updated_at = utcnow()
    d = await session.get_one(Disclosure, v.disclosure_id)
    if d.status == DisclosureStatus.unpublished:
        _copy_content(v, d)
        d.updated_at = utcnow()
    await session.flush()
    return v


async def revise(session: AsyncSession, principal: Principal, d: Disclosure) -> DisclosureVersion:
    """A new draft from the published version; the published one stays online until it is replaced."""
    await _require_scope(session, principal, Role.editor, d.column_id)
    if d.status != DisclosureStatus.published or d.published_version_id is None:
        raise InvalidTransition("只有已发布的信息可以修订")
    pending = (await session.execute(select(DisclosureVersion.id).where(
        DisclosureVersion.disclosure_id == d.id, DisclosureVersion.status.in_(PENDING)))).first()
    if pending:
        raise PendingVersionExists(f"请继续处理版本 {pending[0]}")
    live = await session.get_one(DisclosureVersion, d.published_version_id)
    v = DisclosureVersion(disclosure_id=d.id, version_no=d.version_no + 1, status=DISCLOSURE_VERSION.initial,
                          author_id=principal.id, is_major=False, findings=[])
    _copy_content(live, v)
    session.add(v)
    await session.flush()
    await files.copy_to(session, await files.list_for(session, VERSION_OWNER, [live.id]), VERSION_OWNER, v.id)
    # A revision opens a version as create does, under its own action.
    opening = DISCLOSURE_VERSION.opening(principal.actor(Role.editor), utcnow())
    await cases.record(session, v, replace(opening, action=Action.revise))
    await cases.flush(session)
    return v


async def add_attachment(session: AsyncSession, principal: Principal, v: DisclosureVersion, upload: Any) -> Attachment:
    await _require_scope(session, principal, Role.editor, v.column_id)
    if v.status != VersionStatus.draft:
        raise InvalidTransition("只有草稿可以添加附件")
    row = await files.store_upload(session, upload, VERSION_OWNER, v.id, principal.id)
    await audit.record(session, principal.actor(Role.editor), "disclosure.attach", "disclosure", v.disclosure_id,
                       {"version": v.version_no, "attachment": row.id, "filename": row.filename, "sha256": row.sha256})
    return row


async def remove_attachment(session: AsyncSession, principal: Principal, v: DisclosureVersion,
                            attachment_id: int) -> None:
    await _require_scope(session, principal, Role.editor, v.column_id)
    if v.status != VersionStatus.draft:
        raise InvalidTransition("只有草稿可以删除附件")
    row = await files.get_for(session, VERSION_OWNER, v.id, attachment_id)
    await files.delete(session, row)
    await audit.record(session, principal.actor(Role.editor), "disclosure.detach", "disclosure", v.disclosure_id,
                       {"version": v.version_no, "attachment": attachment_id})


# ---- review and publication -------------------------------------------------------------------

def run_checks(v: DisclosureVersion) -> list[dict[str, Any]]:
    fields = {"title": v.title, "summary": v.summary, "body": richtext.plain_text(v.body_html), "doc_no": v.doc_no}
    extra = tuple(get_settings().classification_markings)
    return [f.as_dict() for f in checks.check_fields(fields, extra)]


async def _attachment_names(session: AsyncSession, v: DisclosureVersion) -> list[dict[str, Any]]:
    names = " ".join(a.filename for a in await files.list_for(session, VERSION_OWNER, [v.id]))
    extra = tuple(get_settings().classification_markings)
    return [f.as_dict() for f in checks.check_fields({"attachments": names}, extra)]


async def _findings(session: AsyncSession, v: DisclosureVersion) -> list[dict[str, Any]]:
    return run_checks(v) + await _attachment_names(session, v)


async def submit(session: AsyncSession, principal: Principal, v: DisclosureVersion, comment: str | None) -> None:
    col = await _require_scope(session, principal, Role.editor, v.column_id)
    _allowed(v, Action.submit)
    findings = await _findings(session, v)
    blocking = [f for f in findings if f["blocking"]]
    if blocking:
        v.findings = findings
        await session.flush()
        raise ClassifiedContent(blocking)
    v.findings = findings
    v.review_levels = col.review_levels
    v.approved_levels = 0
    v.personal_data_confirmed = False
    v.submitted_at = utcnow()
    await cases.transition(session, v, Action.submit, principal.actor(Role.editor), note=comment)


async def _approvers(session: AsyncSession, v: DisclosureVersion) -> set[int]:
    since = v.submitted_at
    rows = await session.execute(select(DisclosureEvent.actor_id).where(
        DisclosureEvent.version_id == v.id, DisclosureEvent.action == Action.approve.value,
        DisclosureEvent.at >= since))
    return {r[0] for r in rows if r[0] is not None}


async def approve(session: AsyncSession, principal: Principal, v: DisclosureVersion, comment: str | None) -> None:
    await _require_scope(session, principal, Role.reviewer, v.column_id)
    if v.author_id == principal.id:
        raise SelfApproval()
    _allowed(v, Action.approve)
    if principal.id in await _approvers(session, v):
        raise SelfApproval("同一人不能审核同一版本的两级")
    v.approved_levels += 1
    to = VersionStatus.secrecy_review if v.approved_levels >= v.review_levels else VersionStatus.in_review
    await cases.transition(session, v, Action.approve, principal.actor(Role.reviewer), to=to, note=comment,
                           detail={"level": v.approved_levels})


async def send_back(session: AsyncSession, principal: Principal, v: DisclosureVersion, comment: str) -> None:
    role = Role.secrecy_officer if v.status == VersionStatus.secrecy_review else Role.reviewer
    await _require_scope(session, principal, role, v.column_id)
    if v.author_id == principal.id:
        raise SelfApproval("不能审核自己撰写的信息")
    v.approved_levels = 0
    await cases.transition(session, v, Action.send_back, principal.actor(role), note=comment)


async def publish(session: AsyncSession, principal: Principal, v: DisclosureVersion, comment: str | None,
                  confirm_personal_data: bool) -> Disclosure:
    """保密审查 passed: the version becomes the public copy (a 索引号 is assigned the first time)."""
    await _require_scope(session, principal, Role.secrecy_officer, v.column_id)
    if v.author_id == principal.id:
        raise SelfApproval()
    _allowed(v, Action.publish)
    d = (await session.execute(select(Disclosure).where(Disclosure.id == v.disclosure_id)
                               .with_for_update())).scalar_one()
    if d.status == DisclosureStatus.retracted:
        raise InvalidTransition("该信息已撤回，不能再发布")
    findings = await _findings(session, v)
    v.findings = findings
    blocking = [f for f in findings if f["blocking"]]
    if blocking:
        await session.flush()
        raise ClassifiedContent(blocking)
    personal = [f for f in findings if not f["blocking"]]
    if personal and not confirm_personal_data:
        await session.flush()
        raise PersonalDataUnconfirmed(personal)
    v.personal_data_confirmed = bool(personal)
    actor = principal.actor(Role.secrecy_officer)
    now = utcnow()
    if d.published_version_id is not None:
        old = await session.get_one(DisclosureVersion, d.published_version_id)
        await cases.transition(session, old, Action.supersede, actor, note=f"由第 {v.version_no} 版替代", at=now)
    note = comment if not personal else f"{comment or ''}（已确认 {len(personal)} 处个人信息可以公开）".strip()
    v.published_at = now
    await cases.transition(session, v, Action.publish, actor, note=note, at=now)
    first = d.index_no is None
    if first:
        publisher = await session.get_one(OrgUnit, v.publisher_id)
        d.index_no = await assign_index_no(session, publisher, now)
        d.first_published_at = now
    _copy_content(v, d)
    if first or v.is_major or d.published_at is None:
        d.published_at = now
    d.status = DisclosureStatus.published
    d.version_no = v.version_no
    d.published_version_id = v.id
    d.has_attachments = bool(await files.list_for(session, VERSION_OWNER, [v.id]))
    d.updated_at = now
    d.search_text = _search_text(d)
    await session.flush()
    await record_change(session, d, ChangeKind.created if first else ChangeKind.updated, now)
    return d


async def retract(session: AsyncSession, principal: Principal, d: Disclosure, reason: str) -> Disclosure:
    """撤回: public 404 at once, a tombstone in the feeds, the 索引号 stays taken."""
    _, path = await column_path(session, d.column_id)
    role = next((r for r in (Role.secrecy_officer, Role.reviewer) if principal.covers(r, path)), None)
    if role is None:
        raise NotInScope()
    if d.status != DisclosureStatus.published or d.published_version_id is None:
        raise InvalidTransition("只有已发布的信息可以撤回")
    live = await session.get_one(DisclosureVersion, d.published_version_id)
    now = utcnow()
    await cases.transition(session, live, Action.retract, principal.actor(role), note=reason, at=now)
    d.status = DisclosureStatus.retracted
    d.retracted_at = now
    d.retract_reason = reason
    d.updated_at = now
    await session.flush()
    await record_change(session, d, ChangeKind.retracted, now)
    return d





async def names(session: AsyncSession, column_id: int, publisher_id: int) -> tuple[Column, OrgUnit]:
    col = await session.get(Column, column_id)
    unit = await session.get(OrgUnit, publisher_id)
    assert col is not None and unit is not None
    return col, unit


async def pending_version_id(session: AsyncSession, disclosure_id: int) -> int | None:
    row = (await session.execute(select(DisclosureVersion.id).where(
        DisclosureVersion.disclosure_id == disclosure_id, DisclosureVersion.status.in_(PENDING))
        .order_by(DisclosureVersion.id.desc()).limit(1))).first()
    return row[0] if row else None


async def latest_version_id(session: AsyncSession, disclosure_id: int) -> int | None:
    return (await session.execute(select(func.max(DisclosureVersion.id)).where(
        DisclosureVersion.disclosure_id == disclosure_id))).scalar_one_or_none()


async def public_attachments(session: AsyncSession, d: Disclosure, staff_view: bool) -> list[Attachment]:
    vid = d.published_version_id
    if vid is None and staff_view:
        vid = await latest_version_id(session, d.id)
    return await files.list_for(session, VERSION_OWNER, [vid]) if vid else []


async def public_attachment(session: AsyncSession, principal: Principal | None, disclosure_id: int,
                            attachment_id: int) -> Attachment:
    """An attachment of the version the caller may read (the published one for the public)."""
    d = await get_disclosure(session, principal, disclosure_id)
    if d.status == DisclosureStatus.published and d.published_version_id:
        return await files.get_for(session, VERSION_OWNER, d.published_version_id, attachment_id)
    vid = await latest_version_id(session, d.id)
    return await files.get_for(session, VERSION_OWNER, vid or 0, attachment_id)


# ---- workspace --------------------------------------------------------------------------------

def queue_query(principal: Principal, queue: str, status: VersionStatus | None) -> Select[Any]:
    stmt = versions_readable_by(principal)
    if queue == "mine":
        stmt = stmt.where(DisclosureVersion.author_id == principal.id)
    elif queue == "review":
        stmt = stmt.where(DisclosureVersion.status.in_(IN_REVIEW), DisclosureVersion.author_id != principal.id,
                          DisclosureVersion.column_id.in_(_columns_of(principal, Role.reviewer)))
    elif queue == "secrecy":
        stmt = stmt.where(DisclosureVersion.status == VersionStatus.secrecy_review,
                          DisclosureVersion.author_id != principal.id,
                          DisclosureVersion.column_id.in_(_columns_of(principal, Role.secrecy_officer)))
    if status is not None:
        stmt = stmt.where(DisclosureVersion.status == status)
    return stmt


async def list_queue(session: AsyncSession, principal: Principal, queue: str, status: VersionStatus | None,
                     cursor: str | None, limit: int) -> tuple[list[DisclosureVersion], str | None]:
    return await keyset_page(session, queue_query(principal, queue, status), [(DisclosureVersion.id, True)],
                             lambda v: (v.id,), cursor, limit)


async def version_context(session: AsyncSession, versions: list[DisclosureVersion]) -> dict[str, Any]:
    """Names and 索引号 for a page of versions, in three queries."""
    col_ids = {v.column_id for v in versions}
    unit_ids = {v.publisher_id for v in versions}
    user_ids = {v.author_id for v in versions}
    d_ids = {v.disclosure_id for v in versions}
    cols = {c.id: c for c in (await session.execute(select(Column).where(Column.id.in_(col_ids)))).scalars()}
    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids)))).all())
    users = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))).all())
    ds = {r[0]: (r[1], r[2]) for r in (await session.execute(
        select(Disclosure.id, Disclosure.index_no, Disclosure.status).where(Disclosure.id.in_(d_ids)))).all()}
    return {"columns": cols, "units": units, "users": users, "disclosures": ds}


def allowed_actions(principal: Principal, v: DisclosureVersion, column_path_: str,
                    d_status: DisclosureStatus) -> list[str]:
    acts = []
    own = v.author_id == principal.id
    if v.status == VersionStatus.draft and principal.covers(Role.editor, column_path_):
        acts += ["edit", "submit"]
    if v.status in IN_REVIEW and not own and principal.covers(Role.reviewer, column_path_):
        acts += ["approve", "send_back"]
    if v.status == VersionStatus.secrecy_review and not own and principal.covers(Role.secrecy_officer, column_path_):
        acts += ["publish", "send_back"]
    if v.status == VersionStatus.published and d_status == DisclosureStatus.published:
        if principal.covers(Role.editor, column_path_):
            acts.append("revise")
        if principal.covers(Role.reviewer, column_path_) or principal.covers(Role.secrecy_officer, column_path_):
            acts.append("retract")
    return acts


async def history(session: AsyncSession, disclosure_id: int) -> list[tuple[DisclosureEvent, int | None]]:
    rows = await session.execute(
        select(DisclosureEvent, DisclosureVersion.version_no)
        .outerjoin(DisclosureVersion, DisclosureVersion.id == DisclosureEvent.version_id)
        .where(DisclosureEvent.disclosure_id == disclosure_id).order_by(DisclosureEvent.id))
    return [(r[0], r[1]) for r in rows.all()]


async def genre_figures(session: AsyncSession, year: int, genre: str) -> tuple[int, int, int]:
    """For the annual report's section 二 (第二十条第（一）项): of the published items of one 体裁, how many were
    made this year (成文日期), repealed this year (废止 with its 失效日期 in the year), and are valid now."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    base = select(func.count()).select_from(Disclosure).where(
        Disclosure.genre == genre, Disclosure.status == DisclosureStatus.published)
    issued = (await session.execute(base.where(Disclosure.written_date.between(first, last)))).scalar_one()
    repealed = (await session.execute(base.where(Disclosure.validity == Validity.repealed,
                                                 Disclosure.invalid_date.between(first, last)))).scalar_one()
    valid = (await session.execute(base.where(Disclosure.validity == Validity.valid))).scalar_one()
    return int(issued), int(repealed), int(valid)


async def render_feed(topic_key: str, base: str, self_url: str) -> tuple[str, bytes]:
    """The Atom or JSON feed a WebSub topic key names (filtered or not) as its route renders it: the content
    the hub pushes."""
    reader = await get_reader()
    facets = websub.facets_of(topic_key)
    f = changelog.FeedFilter(facets.column_id, facets.publisher_id, facets.topic)
    topic_path = topic_key.split("?", 1)[0]
    _, at = await changelog.feed_validator(reader, f, copy=False)  # dated like the entries read next
    rows = await changelog.feed_entries(reader, f)
    departed = await changelog.departures(reader, f)
    if topic_path.endswith(".json"):
        return "application/feed+json; charset=utf-8", feeds.json_feed(rows, departed, base, self_url).encode()
    return "application/atom+xml; charset=utf-8", feeds.atom(rows, departed, base, self_url, at).encode()


async def check_feed_filter(session: AsyncSession, facets: websub.Facets) -> str | None:
    """Why a filtered feed is not one of ours (its column or publisher does not exist), or None."""
    if facets.column_id is not None and await session.get(Column, facets.column_id) is None:
        return f"栏目 {facets.column_id} 不存在"
    if facets.publisher_id is not None and await session.get(OrgUnit, facets.publisher_id) is None:
        return f"发布机构 {facets.publisher_id} 不存在"
    return None


websub.register_facet_check(check_feed_filter)

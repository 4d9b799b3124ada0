"""The service catalogue: services, their versioned guides and forms, and guide templates.

Every submission needs its service's current version, form and units, so each worker keeps them in a small
cache (`offered`, up to OFFERED_TTL = 60 s per entry, at most ~1000 services). The cache holds frozen
snapshots (`Offered`: frozen dataclasses of plain values, the form as frozen FormField models, units in a
read-only mapping), never ORM rows: an ORM object shared between requests would belong to no session (or to
one that has ended), could expire or try to lazy-load, and one request could change it under another.

Freshness does not rest on the 60 s. The snapshot carries the service row's `updated_at` (its stamp): a new
version or a new owner moves it, and a withdrawn service has none (STAMP reads NULL once is_active is false).
The statement that numbers a new case compares the snapshot's stamp with STAMP in that same statement (no extra
round trip) and takes no number when they differ; the submission then reloads with fresh=True. Data that a
cached form refuses is also judged again against a fresh load before the applicant is told (`cached`). So no
application is made under a superseded version, for an owner the service no longer has, or after withdrawal;
only a unit's name and path (shown in the response, used for its action buttons) may be up to 60 s old, which
the TTL bounds, along with the memory held.
"""

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

from fastapi import UploadFile
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.util import identity_key

from api.audit import service as audit
from api.audit.service import Actor
from api.auth.models import OrgUnit
from api.catalog.forms import file_ids as file_ids
from api.catalog.forms import validate_form as validate_form
from api.catalog.models import Service as Service
from api.catalog.models import ServiceVersion as ServiceVersion
from api.catalog.schemas import FieldType as FieldType
from api.catalog.schemas import FormField as FormField
from api.catalog.schemas import ServiceCreate, ServiceGuide, ServiceRead, ServiceSummary, ServiceVersionIn
from api.catalog.schemas import UnitRef as UnitRef
from api.database import LIKE_ESCAPE, escape_like
from api.errors import Conflict, NotFound, ValidationFailed
from api.files import service as files
from api.files.models import Attachment
from api.publiccache import service as publiccache

# Other domains import this module only (pyproject.toml, contract "domains-through-service"); the names
# re-exported above ("X as X": the rows, the form schema and its checks, the unit reference) are what they
# may use besides the functions below.

TEMPLATE_OWNER = "service_template"


class UnitView(Protocol):
    """What callers read of a unit: an OrgUnit row of the request's session or a cached UnitSnapshot."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...


class ServiceView(Protocol):
    """What callers read of a service: a Service row or a cached ServiceSnapshot."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def owner_unit_id(self) -> int: ...


class VersionView(Protocol):
    """What callers read of a service version: a ServiceVersion row or a cached VersionSnapshot."""

    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def approval_unit_ids(self) -> Sequence[int]: ...


@dataclass(frozen=True, slots=True)
class UnitSnapshot:
    id: int
    code: str
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class ServiceSnapshot:
    id: int
    code: str
    name: str
    category: str
    owner_unit_id: int
    updated_at: datetime  # the stamp: moves with every change to the service row (see offered)


@dataclass(frozen=True, slots=True)
class VersionSnapshot:
    id: int
    version: int
    name: str
    promised_days: int
    statutory_days: int
    approval_unit_ids: tuple[int, ...]  # never empty: the owner alone when the version names none
    form: tuple[FormField, ...]  # parsed and in display order; FormField is a frozen model


def readable() -> Select[Service, ServiceVersion]:
    """Active services with their current version (the catalogue is public)."""
    return _READABLE


_READABLE = (select(Service, ServiceVersion)
             .join(ServiceVersion, (ServiceVersion.service_id == Service.id)
                   & (ServiceVersion.version == Service.current_version))
             .where(Service.is_active.is_(True)))
# Built once (every submission looks its service up): SQLAlchemy reuses the statement's cache key. The owner
# unit comes along (held by the service), so units_by_id finds it in the identity map without another query.
_CURRENT_BY_CODE = (_READABLE.join(Service.owner_unit).options(contains_eager(Service.owner_unit))
                    .where(Service.code == bindparam("code")))


async def units_by_id(session: AsyncSession, ids: set[int]) -> dict[int, OrgUnit]:
    """The units, from the session's identity map where this request already loaded them."""
    loaded = {i: u for i in ids if isinstance(u := session.identity_map.get(identity_key(OrgUnit, i)), OrgUnit)}
    missing = ids - loaded.keys()
    if missing:
        rows = await session.execute(select(OrgUnit).where(OrgUnit.id.in_(missing)))
        loaded.update({u.id: u for u in rows.scalars()})
    return loaded


def approval_units(service: ServiceView, version: VersionView) -> list[int]:
    """并联审批's departments: those the version names, or the owner alone."""
    return list(version.approval_unit_ids or [service.owner_unit_id])


def summary(service: Service, version: ServiceVersion, units: dict[int, OrgUnit]) -> ServiceSummary:
    owner = units[service.owner_unit_id]
    return ServiceSummary(
        id=service.id, code=service.code, name=version.name, category=service.category,
        owner_unit=UnitRef(id=owner.id, name=owner.name), version=version.version,
        promised_days=version.promised_days, statutory_days=version.statutory_days,
        parallel=len(approval_units(service, version)) > 1)


async def read(session: AsyncSession, service: Service, version: ServiceVersion) -> ServiceRead:
    ids = approval_units(service, version)
    units = await units_by_id(session, {service.owner_unit_id, *ids})
    return ServiceRead(
        **summary(service, version, units).model_dump(), guide=ServiceGuide.model_validate(version.guide),
        form=form_of(version), approval_units=[UnitRef(id=i, name=units[i].name) for i in ids if i in units],
        published_at=version.created_at)


def form_of(version: ServiceVersion) -> list[FormField]:
    """The version's form, parsed, in display order."""
    return sorted((FormField.model_validate(f) for f in version.form), key=lambda f: f.order)


async def get_current(session: AsyncSession, code: str) -> tuple[Service, ServiceVersion]:
    row = (await session.execute(_CURRENT_BY_CODE, {"code": code})).one_or_none()
    if row is None:
        raise NotFound("办事事项不存在")
    return row[0], row[1]


@dataclass(frozen=True, slots=True, eq=False)
class Offered:
    """A service as applications are made under it, as plain frozen values copied out of the rows that one
    request loaded (no ORM object is shared between requests, so nothing here can expire, lazy-load, or be
    changed by one request under another): the service, its current version with the parsed form, the owner
    and approving units by id (read-only mapping), and the service's updated_at (`stamp`)."""

    service: ServiceSnapshot
    version: VersionSnapshot
    units: Mapping[int, UnitSnapshot]
    stamp: datetime
    expires: float
    cached: bool = False  # from an earlier request: to confirm before telling the applicant the form is wrong

    @property
    def form(self) -> tuple[FormField, ...]:
        return self.version.form


def snapshot(service: Service, version: ServiceVersion, units: Mapping[int, OrgUnit], expires: float) -> Offered:
    """Copy what a submission reads out of the rows, so the cache never holds an ORM object."""
    approvals = tuple(approval_units(service, version))
    return Offered(
        service=ServiceSnapshot(id=service.id, code=service.code, name=service.name, category=service.category,
                                owner_unit_id=service.owner_unit_id, updated_at=service.updated_at),
        version=VersionSnapshot(id=version.id, version=version.version, name=version.name,
                                promised_days=version.promised_days, statutory_days=version.statutory_days,
                                approval_unit_ids=approvals, form=tuple(form_of(version))),
        units=MappingProxyType({i: UnitSnapshot(id=u.id, code=u.code, name=u.name, path=u.path)
                                for i, u in units.items()}),
        stamp=service.updated_at, expires=expires)


OFFERED_TTL = 60.0  # also bounds how long a renamed or moved unit keeps its old name and path in the cache
_OFFERED: dict[str, Offered] = {}


async def offered(session: AsyncSession, code: str, fresh: bool = False) -> Offered:
    """The service's current version for a submission, from this process's cache when loaded in the last
    OFFERED_TTL seconds (see the module docstring for why that is safe). The caller confirms that the stamp is
    still the service's (STAMP, a scalar subquery on the bind parameter service_id) in a statement it runs
    anyway, and starts over with fresh=True when it is not. Loading replaces the cached entry."""
    hit = _OFFERED.get(code)
    if hit is not None and hit.expires > time.monotonic() and not fresh:
        return hit if hit.cached else dataclasses.replace(hit, cached=True)
    service, version = await get_current(session, code)
    units = await units_by_id(session, {service.owner_unit_id, *approval_units(service, version)})
    found = snapshot(service, version, units, time.monotonic() + OFFERED_TTL)
    if len(_OFFERED) > 1000:
        _OFFERED.clear()
    _OFFERED[code] = found
    return found


STAMP = (select(Service.updated_at).where(Service.id == bindparam("service_id"), Service.is_active.is_(True))
         .scalar_subquery())  # NULL when the service was withdrawn


async def get_version(session: AsyncSession, code: str, version: int) -> tuple[Service, ServiceVersion]:
    row = (await session.execute(
        select(Service, ServiceVersion).join(ServiceVersion, ServiceVersion.service_id == Service.id)
        .where(Service.code == code, ServiceVersion.version == version))).one_or_none()
    if row is None:
        raise NotFound("办事事项版本不存在")
    return row[0], row[1]


def search(q: str | None, unit_id: int | None, category: str | None) -> Select[Service, ServiceVersion]:
    stmt = readable()
    if q:
        like = f"%{escape_like(q.strip())}%"
        stmt = stmt.where(or_(ServiceVersion.name.like(like, escape=LIKE_ESCAPE),
                              Service.code.like(like.upper(), escape=LIKE_ESCAPE)))
    if unit_id is not None:
        stmt = stmt.where(Service.owner_unit_id == unit_id)
    if category:
        stmt = stmt.where(Service.category == category)
    return stmt


async def _check_refs(session: AsyncSession, service_id: int | None, data: ServiceVersionIn,
                      owner_unit_id: int) -> None:
    errors = []
    ids = set(data.approval_unit_ids) | {owner_unit_id}
    known = await units_by_id(session, ids)
    for i, uid in enumerate(data.approval_unit_ids):
        if uid not in known:
            errors.append({"field": f"approval_unit_ids.{i}", "in": "body", "message": "部门不存在", "type": "unknown"})
    if owner_unit_id not in known:
        errors.append({"field": "owner_unit_id", "in": "body", "message": "部门不存在", "type": "unknown"})
    for i, m in enumerate(data.guide.materials):
        if m.template_attachment_id is None:
            continue
        att = await session.get(Attachment, m.template_attachment_id)
        if att is None or att.owner_type != TEMPLATE_OWNER or (service_id and att.owner_id not in (0, service_id)):
            errors.append({"field": f"guide.materials.{i}.template_attachment_id", "in": "body",
                           "message": "模板附件不存在", "type": "unknown"})
    if errors:
        raise ValidationFailed(errors)


async def create_service(session: AsyncSession, data: ServiceCreate, actor: Actor) -> Service:
    if (await session.execute(select(Service.id).where(Service.code == data.code))).first():
        raise Conflict(f"事项编码 {data.code} 已存在")
    await _check_refs(session, None, data, data.owner_unit_id)
    service = Service(code=data.code, name=data.name, category=data.category, owner_unit_id=data.owner_unit_id,
                      current_version=1)
    session.add(service)
    await session.flush()
    await _add_version(session, service, 1, data, actor)
    await audit.record(session, actor, "service.create", "service", service.id, {"code": service.code})
    await publiccache.changed(session)
    return service


async def _add_version(session: AsyncSession, service: Service, n: int, data: ServiceVersionIn,
                       actor: Actor) -> ServiceVersion:
    version = ServiceVersion(
        service_id=service.id, version=n, name=data.name, promised_days=data.promised_days,
        statutory_days=data.statutory_days, guide=data.guide.model_dump(mode="json"),
        form=[f.model_dump(mode="json", exclude_none=True) for f in data.form],
        approval_unit_ids=list(dict.fromkeys(data.approval_unit_ids)) or [service.owner_unit_id],
        created_by_id=actor.id)
    session.add(version)
    await session.flush()
    return version


async def publish_version(session: AsyncSession, code: str, data: ServiceVersionIn, actor: Actor) -> Service:
    """A new version of the guide and form; applications already made keep theirs."""
    stmt = select(Service).where(Service.code == code).with_for_update()
    service = (await session.execute(stmt)).scalar_one_or_none()
    if service is None:
        raise NotFound("办事事项不存在")
    await _check_refs(session, service.id, data, service.owner_unit_id)
    service.current_version += 1
    service.name, service.category = data.name, data.category
    await _add_version(session, service, service.current_version, data, actor)
    await audit.record(session, actor, "service.publish_version", "service", service.id,
                       {"version": service.current_version})
    await publiccache.changed(session)
    return service


async def upload_template(session: AsyncSession, code: str, upload: UploadFile, actor: Actor) -> Attachment:
    service, _ = await get_current(session, code)
    att = await files.store_upload(session, upload, TEMPLATE_OWNER, service.id, actor.id)
    await audit.record(session, actor, "service.upload_template", "service", service.id, {"attachment_id": att.id})
    await publiccache.changed(session)
    return att


async def get_template(session: AsyncSession, code: str, attachment_id: int) -> Attachment:
    service, _ = await get_current(session, code)
    att = await session.get(Attachment, attachment_id)
    if att is None or att.owner_type != TEMPLATE_OWNER or att.owner_id != service.id:
        raise NotFound("模板不存在")
    return att

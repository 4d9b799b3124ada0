from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from api.auth.dependencies import AdminUser
from api.auth.models import Role
from api.catalog import service
from api.catalog.models import Service
from api.catalog.schemas import ServiceCreate, ServiceRead, ServiceSummary, ServiceVersionIn
from api.database import SessionDep
from api.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, responses
from api.files import service as files
from api.files.schemas import DOWNLOAD_RESPONSES, AttachmentRead
from api.pagination import CursorParam, LimitParam, Page, keyset_page, set_link_header
from api.publiccache.middleware import public_read
from api.validation import Id

router = APIRouter(prefix="/services", tags=["services"])

Code = Annotated[str, Path(max_length=32)]


@router.get("")
@public_read()
async def list_services(
    request: Request, response: Response, session: SessionDep,
    q: Annotated[str | None, Query(max_length=50, description="名称或编码")] = None,
    unit_id: Id | None = None, category: Annotated[str | None, Query(max_length=40)] = None,
    cursor: CursorParam = None, limit: LimitParam = 50,
) -> Page[ServiceSummary]:
    """The public service catalogue in display order."""
    stmt = service.search(q, unit_id, category)
    rows, next_cursor = await keyset_page(
        session, stmt, [(Service.sort_order, False), (Service.id, False)],
        lambda r: [r[0].sort_order, r[0].id], cursor, limit, scalars=False)
    units = await service.units_by_id(session, {s.owner_unit_id for s, _ in rows})
    set_link_header(request, response, next_cursor)
    return Page(items=[service.summary(s, v, units) for s, v in rows], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=responses(Forbidden, Conflict, ValidationFailed))
async def create_service(session: SessionDep, admin: AdminUser, body: ServiceCreate) -> ServiceRead:
    """Add a service with its first guide and form."""
    svc = await service.create_service(session, body, admin.actor(Role.admin))
    return await service.read(session, *await service.get_current(session, svc.code))


@router.get("/{code}", responses=responses(NotFound))
@public_read()
async def get_service(session: SessionDep, code: Code) -> ServiceRead:
    """A service's current guide and application form."""
    return await service.read(session, *await service.get_current(session, code))


@router.put("/{code}", responses=responses(Forbidden, NotFound, ValidationFailed))
async def publish_service_version(session: SessionDep, admin: AdminUser, code: Code,
                                  body: ServiceVersionIn) -> ServiceRead:
    """Publish a new version of the guide and form; earlier applications keep their version."""
    await service.publish_version(session, code, body, admin.actor(Role.admin))
    return await service.read(session, *await service.get_current(session, code))


@router.get("/{code}/versions/{version}", responses=responses(NotFound))
@public_read()
async def get_service_version(session: SessionDep, code: Code, version: Id) -> ServiceRead:
    """The guide and form as they were in one version."""
    return await service.read(session, *await service.get_version(session, code, version))


@router.post("/{code}/templates", status_code=status.HTTP_201_CREATED,
             responses=responses(Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType))
async def upload_service_template(session: SessionDep, admin: AdminUser, code: Code,
                                  file: UploadFile) -> AttachmentRead:
    """Upload a blank form or sample for a required material."""
    return AttachmentRead.model_validate(await service.upload_template(session, code, file, admin.actor(Role.admin)))


@router.get("/{code}/templates/{attachment_id}", response_class=FileResponse,
            responses={**responses(NotFound), **DOWNLOAD_RESPONSES})
async def download_service_template(session: SessionDep, code: Code, attachment_id: Id) -> FileResponse:
    """Download a material's template."""
    return files.download_response(await service.get_template(session, code, attachment_id))

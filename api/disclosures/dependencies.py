from typing import Annotated

from fastapi import Depends

from api.auth.dependencies import CurrentUser, OptionalUser, StaffUser
from api.database import SessionDep
from api.disclosures import service
from api.disclosures.models import Disclosure, DisclosureVersion
from api.validation import Id


async def readable_disclosure(
    session: SessionDep, principal: OptionalUser, disclosure_id: Id
) -> Disclosure:
    return await service.get_disclosure(session, principal, disclosure_id)


async def staff_disclosure(session: SessionDep, principal: StaffUser,
                           disclosure_id: Id) -> Disclosure:
    return await service.get_disclosure(session, principal, disclosure_id)


async def readable_version(session: SessionDep, principal: CurrentUser,
                           version_id: Id) -> DisclosureVersion:
    return await service.get_version(session, principal, version_id)


async def version_for_update(session: SessionDep, principal: StaffUser,
                             version_id: Id) -> DisclosureVersion:
    return await service.get_version(session, principal, version_id, for_update=True)


ReadableDisclosure = Annotated[Disclosure, Depends(readable_disclosure)]
StaffDisclosure = Annotated[Disclosure, Depends(staff_disclosure)]
ReadableVersion = Annotated[DisclosureVersion, Depends(readable_version)]
VersionForUpdate = Annotated[DisclosureVersion, Depends(version_for_update)]

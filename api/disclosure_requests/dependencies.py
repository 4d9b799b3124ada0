from typing import Annotated

from fastapi import Depends

from api.auth.dependencies import CurrentUser
from api.database import SessionDep
from api.disclosure_requests import service
from api.disclosure_requests.models import DisclosureRequest
from api.validation import Id


async def request_for_action(session: SessionDep, principal: CurrentUser, request_id: Id) -> DisclosureRequest:
    """The request, locked for the change, if the caller may read it (404 otherwise)."""
    return await service.get_request(session, principal, request_id, for_update=True)


RequestForAction = Annotated[DisclosureRequest, Depends(request_for_action)]

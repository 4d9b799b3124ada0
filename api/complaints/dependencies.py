from typing import Annotated

from fastapi import Depends

from api.auth.dependencies import CurrentUser, require_role
from api.auth.models import Role
from api.auth.principal import Principal
from api.complaints import service
from api.complaints.models import Complaint
from api.database import SessionDep
from api.validation import Id


async def complaint_for_action(
    session: SessionDep, principal: CurrentUser, complaint_id: Id
) -> Complaint:
    """The complaint, locked for the change, if the caller may read it (404 otherwise)."""
    return await service.get_complaint(session, principal, complaint_id, for_update=True)


ComplaintForAction = Annotated[Complaint, Depends(complaint_for_action)]
LeaderUser = Annotated[Principal, Depends(require_role(Role.leader))]

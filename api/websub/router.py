from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from api.database import SessionDep
from api.errors import responses
from api.websub import service
from api.websub.exceptions import HubRequestRefused

router = APIRouter(tags=["websub"])


@router.post(service.HUB_PATH.removeprefix("/api/v1"), status_code=status.HTTP_202_ACCEPTED,
             response_class=Response, responses={202: {"description": "已受理：将向 hub.callback 验证订阅意图；"
                                                                "不提供的订阅源则以 hub.mode=denied 告知"},
                                                 **responses(HubRequestRefused)})
async def websub_hub(
    session: SessionDep,
    mode: Annotated[str, Form(alias="hub.mode", max_length=20)],
    topic: Annotated[str, Form(alias="hub.topic", max_length=1000)],
    callback: Annotated[str, Form(alias="hub.callback", max_length=1000)],
    lease_seconds: Annotated[int | None, Form(alias="hub.lease_seconds", ge=1, le=10**8)] = None,
    secret: Annotated[str | None, Form(alias="hub.secret", max_length=400)] = None,
) -> Response:
    """WebSub hub of the disclosure feeds, filtered (column_id, publisher_id, topic) or not: subscribe or
    unsubscribe a callback (verified asynchronously, then each change of the feed is POSTed to it, signed with
    hub.secret when given; a topic the hub does not serve is denied to the callback)."""
    await service.request(session, mode, topic, callback, lease_seconds, secret)
    return Response(status_code=status.HTTP_202_ACCEPTED)

import hashlib
import json

from fastapi import APIRouter, Request, Response

from api.cases.schemas import Vocabulary
from api.cases.workflow import vocabulary

router = APIRouter(tags=["vocabulary"])

CACHE_CONTROL = "public, max-age=300"


@router.get("/vocabulary", response_model=Vocabulary, responses={304: {"description": "未变化"}})
async def get_vocabulary(request: Request) -> Response:
    """Every workflow's states and actions and every labelled enum, with their Chinese labels."""
    body = json.dumps(vocabulary(), ensure_ascii=False, separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)

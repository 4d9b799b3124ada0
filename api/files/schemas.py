from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.files.types import KINDS

# The `responses=` of a download: the media types an attachment can have (decided from its content on upload).
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "附件内容（类型由文件内容判定）",
    "content": {k.content_type: {"schema": {"type": "string", "format": "binary"}} for k in KINDS}}}


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime

from typing import Any

from tests.applications.conftest import GOOD
from tests.factories import auth

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def submit(client, user, data: dict[str, Any] | None = None, code: str = "TEST", **headers: str):
    return await client.post("/api/v1/applications", json={"service_code": code, "data": data or GOOD},
                             headers={**auth(user), **headers})


async def submitted(client, user, **kw) -> dict[str, Any]:
    r = await submit(client, user, **kw)
    assert r.status_code == 201, r.text
    return r.json()


async def act(client, user, app_id: int, action: str, body: dict[str, Any] | None = None):
    return await client.post(f"/api/v1/applications/{app_id}/{action}", json=body or {}, headers=auth(user))


async def accepted(client, w) -> dict[str, Any]:
    app = await submitted(client, w.citizen)
    r = await act(client, w.handler, app["id"], "accept")
    assert r.status_code == 200, r.text
    return r.json()


async def completed(client, w) -> dict[str, Any]:
    app = await accepted(client, w)
    assert (await act(client, w.handler, app["id"], "decisions", {"decision": "approve"})).status_code == 200
    r = await act(client, w.other_handler, app["id"], "decisions", {"decision": "approve", "note": "同意"})
    assert r.json()["status"] == "completed", r.text
    return r.json()


async def upload(client, user, content: bytes = PNG, name: str = "证件.png"):
    return await client.post("/api/v1/applications/uploads", files={"file": (name, content, "image/png")},
                             headers=auth(user))

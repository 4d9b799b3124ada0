"""Swagger UI at /api/v1/docs from our own origin: the page, its start script, and the assets the SPA build copies
from npm's swagger-ui-dist into web/dist/swagger-ui/. No inline script and no CDN, so it works under the
Content-Security-Policy (api/middleware.py); without a built SPA the page says to run `make web`."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

ASSETS = "/swagger-ui"

_START = """\
"use strict";
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapiUrl,
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""


def docs_router(docs_url: str, openapi_url: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(docs_url)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>政务门户 API 文档</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}">（如果页面空白：前端尚未构建，运行 make web）</div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{docs_url}/start.js"></script>
</body>
</html>
""", headers={"Cache-Control": "no-cache"})

    @router.get(f"{docs_url}/start.js")
    async def swagger_ui_start() -> Response:
        return Response(_START, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})

    return router

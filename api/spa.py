"""Serve the built SPA: real files as they are, other non-API paths fall back to index.html."""

from pathlib import Path

from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from api.errors import problem_for_status

_NO_FALLBACK = ("/api", "/.well-known")


class SPA:
    def __init__(self, dist: Path) -> None:
        self.root = dist.resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path.startswith(_NO_FALLBACK) or "\x00" in path:
            response: Response = problem_for_status(404, instance=path)
        elif scope["method"] not in ("GET", "HEAD"):
            response = problem_for_status(405, instance=path)
        else:
            response = self._file(path)
        await response(scope, receive, send)

    def _file(self, path: str) -> Response:
        index = self.root / "index.html"
        if not index.is_file():
            return problem_for_status(404, "前端尚未构建：运行 make web", instance=path)
        candidate = (self.root / path.lstrip("/")).resolve()
        try:
            found = candidate.is_file() and candidate.is_relative_to(self.root)
        except OSError:  # e.g. a name longer than the file system allows: not one of our files
            found = False
        if found:
            cache = "public, max-age=31536000, immutable" if path.startswith("/assets/") else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

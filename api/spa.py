"""Serve the built SPA: real files as they are, other non-API paths fall back to index.html.

Text assets are served from the pre-compressed copies the build writes next to them (`x.js.br`,
`x.js.gz`, see web/vite.config.ts) when the browser accepts that encoding: brotli at quality 11 and
gzip at level 9 cost nothing per request, where compressing on the fly would spend CPU on every hit.

A path that is neither a file nor one of the SPA's routes still gets index.html (the SPA draws its
not-found page) but with status 404, so crawlers and link checkers see a missing page as missing.
"""

import re
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from api.errors import problem_for_status

_NO_FALLBACK = ("/api", "/.well-known")
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))

# The SPA's client-side routes (web/src/router/*.ts), as patterns; anything else is a 404.
# tests/test_spa.py checks every route the router files declare against this list.
SPA_ROUTES: tuple[str, ...] = (
    r"/",
    r"/login", r"/register", r"/forbidden",
    r"/disclosures", r"/disclosures/catalogue", r"/disclosures/\d+", r"/disclosures/guide", r"/disclosures/apply",
    r"/my/disclosure-requests", r"/my/disclosure-requests/\d+", r"/search",
    r"/services", r"/services/[^/]+", r"/my/applications", r"/my/applications/[^/]+",
    r"/interaction", r"/interaction/write/\d+", r"/interaction/lookup", r"/interaction/surveys",
    r"/interaction/surveys/\d+", r"/interaction/consultations", r"/interaction/consultations/\d+",
    r"/site/(sitemap|about|contact|privacy|accessibility)",
    r"/me", r"/me/[a-z-]+", r"/me/letters/\d+",
    # The staff workspace is behind a login; its own not-found page answers there.
    r"/workspace(/.*)?",
)
_ROUTE = re.compile("|".join(f"(?:{r})" for r in SPA_ROUTES))


def _accepted(headers: Headers) -> set[str]:
    accepted = set()
    for part in headers.get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip().lower())
    return accepted


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
            response = self._file(path, _accepted(Headers(scope=scope)))
        await response(scope, receive, send)

    def _file(self, path: str, accepted: set[str]) -> Response:
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
            return self._send(candidate, accepted, 200, cache)
        status = 200 if _ROUTE.fullmatch(path.rstrip("/") or "/") else 404
        return self._send(index, accepted, status, "no-cache")

    @staticmethod
    def _send(file: Path, accepted: set[str], status: int, cache: str) -> FileResponse:
        headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
        for encoding, suffix in _ENCODINGS:
            if encoding in accepted:
                packed = file.with_name(file.name + suffix)
                if packed.is_file():
                    headers["Content-Encoding"] = encoding
                    # The media type is the original file's, not .br/.gz's.
                    return FileResponse(packed, status_code=status, headers=headers,
                                        media_type=_media_type(file))
        return FileResponse(file, status_code=status, headers=headers)


def _media_type(file: Path) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(file.name)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("javascript") else guessed

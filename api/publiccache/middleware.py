"""The response cache for anonymous public reads: a pure ASGI layer below routing that keeps the rendered bytes
and headers of the routes marked `@public_read`, per worker, bounded by bytes (least recently used first out).

Why a layer below FastAPI rather than a helper in each route: a hit then costs no routing, no dependency
resolution, no validation and no serialisation (what a cache hit should cost), every public read joins with a
decorator, and the 200-or-304 decision, the validators and the headers a CDN needs are made in one place for all
of them. It holds bytes only, never an ORM object.

Freshness. A copy is stamped before the route reads anything and is served only while the stamp is current:
- SQLite (one worker): the stamp is the public change head's number (api.publiccache.service), read inline per
  request; a commit moves it, so a read that starts after a publish returned never sees the old page, whichever
  process committed it.
- PostgreSQL: the stamp is this worker's generation, moved by its own commits (at once, before the writer's
  response is sent) and by NOTIFY from the others (the lag is the notification's delivery; measured by
  tests/cache). While the LISTEN connection is down nothing is served from or stored in the cache.
Copies also expire after the route's `ttl` (pages that show something time-dependent: a column's staleness).

Signed-in requests (an Authorization header or the refresh cookie) bypass the cache and are marked private.

Under a burst (issue 17: 256 connections on one worker while an item is published):
- Single flight: concurrent misses of one page with one stamp run the route once; the others wait for its bytes
  (after a publish drops every copy, the burst would otherwise render the same page once per waiting reader).
- Writes first: while a request's write transaction is open in this worker (api.database.write_gate: from
  BEGIN to its commit or rollback, not while a slow client is still sending the body), public reads wait for it,
  at most WRITE_FIRST_MAX_WAIT each. A write's SQLite statements run on aiosqlite's thread, which must
  take the GIL back after every statement; with the event loop busy serving readers it waits up to the
  interpreter's switch interval each time (measured in process: a draft took 9.7 s instead of 0.2 s), and on
  PostgreSQL each of its round trips waits behind a loop turn of readers. Parked readers cost nothing, so the
  write runs at the speed of an idle worker and the readers are delayed by its few milliseconds."""

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import conditional
from api.database import get_reader, write_gate
from api.logs import get_logger
from api.publiccache.service import heads, read_head

log = get_logger("api.publiccache")

F = TypeVar("F", bound=Callable[..., Any])

# A route may name, in this header, something a hit must still account for (the item a view is counted for);
# it is taken off before the response leaves and handed to the route's `on_hit` on every hit.
HIT_HEADER = b"x-public-cache-hit"
_DROP_ON_STORE = {b"date", b"server", HIT_HEADER}
_NOT_ON_304 = {b"content-length", b"content-type", b"link"}
# Said on every public read, for whoever operates a cache in front or debugs one: served from this worker's
# copy, made now, or not cacheable (a signed-in caller).
_HIT, _MISS, _BYPASS = ((b"x-cache", v) for v in (b"HIT", b"MISS", b"BYPASS"))


@dataclass(frozen=True)
class PublicRead:
    ttl: float = 300.0
    on_hit: Callable[[str], None] | None = None


def public_read(ttl: float = 300.0, on_hit: Callable[[str], None] | None = None) -> Callable[[F], F]:
    """Mark a GET route as an anonymous public read: its 200 answers are cached and given validators and the
    headers a shared cache needs. Whatever it shows must call api.publiccache.service.changed when it changes."""

    def mark(fn: F) -> F:
        fn.public_read = PublicRead(ttl, on_hit)  # type: ignore[attr-defined]
        return fn

    return mark


@dataclass(slots=True)
class Entry:
    stamp: object
    at: datetime | None
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    last_modified: bytes | None  # the route's own; else made from `at` once that time has passed
    hit_arg: str | None
    expires: float
    size: int


class ResponseCache:
    """Bytes-bounded LRU of entries; `max_bytes` 0 keeps nothing (validators and headers are still given)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self.size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        if entry.size > min(self.max_entry, self.max_bytes):
            return
        self.discard(key)
        self._entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self.size -= old.size

    def discard(self, key: tuple[Any, ...]) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old.size

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)


response_cache = ResponseCache()
# How long a public read waits for the writes in progress (a long upload never holds the readers longer).
WRITE_FIRST_MAX_WAIT = 0.1
heads.subscribe(response_cache.clear)  # stale copies would never be served (stamps), but free their memory now


def _etag(body: bytes) -> str:
    return '"p' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _http_date(at: datetime | None) -> bytes | None:
    if at is None:
        return None
    modified = conditional.last_modified(at)
    if modified > datetime.now(UTC):
        return None
    return format_datetime(modified, usegmt=True).encode()


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp, routers: list[tuple[str, APIRouter]], postgres: bool,
                 signed_in_cookies: tuple[str, ...] = ()) -> None:
        """`routers`: (prefix, router) in the order the app includes them."""
        self.app = app
        self._routers = routers
        self._rules: list[tuple[re.Pattern[str], PublicRead | None]] | None = None
        self.postgres = postgres
        self._cookies = tuple(f"{name}=".encode() for name in signed_in_cookies)
        self.gate = write_gate
        # Misses being computed, by (key, stamp): the route's Entry (None if it could not be kept) when done.
        self._flights: dict[tuple[Any, ...], asyncio.Future[Entry | None]] = {}
        self.route_runs = 0  # how many misses ran the route (for tests of the single flight)

    def _rule(self, path: str) -> PublicRead | None:
        """The first GET route matching the path decides, as routing would (`/disclosures/changes` is not an
        item)."""
        if self._rules is None:
            self._rules = [(compile_path(prefix + r.path)[0], getattr(r.endpoint, "public_read", None))
                           for prefix, router in self._routers for r in router.routes
                           if isinstance(r, APIRoute) and r.methods and "GET" in r.methods]
        for regex, rule in self._rules:
            if regex.match(path):
                return rule
        return None

    def _signed_in(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                return True
            if name == b"cookie" and self._cookies and any(c in value for c in self._cookies):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        rule = self._rule(scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        if self._signed_in(scope):
            await self.app(scope, receive, _private(send))
            return
        await self._public(scope, receive, send, rule)

    async def _stamp(self) -> tuple[object, datetime | None, bool] | None:
        """(stamp, head time, head time known) now, or None when copies cannot be trusted (PG, not listening)."""
        if response_cache.max_bytes <= 0:
            return None
        if self.postgres:
            return (heads.generation, None, False) if heads.live else None
        seq, at = await read_head(await get_reader())
        return (seq, heads.generation), at, True

    async def _public(self, scope: Scope, receive: Receive, send: Send, rule: PublicRead) -> None:
        headers = scope["headers"]
        key = (scope.get("scheme"), _header(headers, b"host"), scope["path"], scope["query_string"])
        await self.gate.wait(WRITE_FIRST_MAX_WAIT)
        now = time.monotonic()
        stamp = await self._stamp()
        if stamp is not None:
            entry = response_cache.get(key)
            if entry is not None:
                if entry.stamp == stamp[0] and entry.expires > now:
                    response_cache.hits += 1
                    await self._serve(entry, headers, send, rule, _HIT)
                    return
                response_cache.discard(key)
            response_cache.misses += 1
            if not stamp[2]:  # PostgreSQL: the head's time, for Last-Modified, read before the route reads
                try:
                    stamp = (stamp[0], (await read_head(await get_reader()))[1], True)
                except Exception:  # the head unreadable: the route will fail or answer; nothing is kept
                    log.warning("public_head_unreadable", exc_info=True)
                    stamp = None

        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        streaming = False

        async def capture(message: Message) -> None:
            nonlocal start, size, streaming
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or streaming:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if message.get("more_body", False) and size > response_cache.max_entry:
                streaming = True  # too big to keep: pass it on as it comes, as the route made it
                assert start is not None
                await send({**start, "headers": _without(start["headers"], HIT_HEADER)})
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})

        leading: asyncio.Future[Entry | None] | None = None
        if stamp is not None:  # no await between this look-up and taking the lead
            flight = self._flights.get((key, stamp[0]))
            if flight is not None:  # the same page with the same stamp is being made: wait for its bytes
                made = await asyncio.shield(flight)
                if made is not None:
                    await self._serve(made, headers, send, rule, _HIT)
                    return
            if (key, stamp[0]) not in self._flights:
                leading = self._flights[(key, stamp[0])] = asyncio.get_running_loop().create_future()
        shared: Entry | None = None
        try:
            self.route_runs += 1
            await self.app(scope, receive, capture)
            if streaming or start is None:
                return
            body = b"".join(chunks)
            if start["status"] != 200 or _header(start["headers"], b"set-cookie") is not None or _private_answer(
                    start["headers"]):
                await send({**start, "headers": _without(start["headers"], HIT_HEADER)})
                await send({"type": "http.response.body", "body": body})
                return
            entry = self._entry(start["headers"], body, stamp, rule, now)
            if stamp is not None and not (self.postgres and stamp[0] != heads.generation):
                response_cache.put(key, entry)  # (on PostgreSQL a change that arrived meanwhile voids it anyway)
            shared = entry
        finally:
            if leading is not None:
                assert stamp is not None
                self._flights.pop((key, stamp[0]), None)
                leading.set_result(shared)  # the waiting readers serve it, or make their own (None)
        await self._serve(entry, headers, send, None, _MISS)

    def _entry(self, raw: list[tuple[bytes, bytes]], body: bytes, stamp: tuple[object, datetime | None, bool] | None,
               rule: PublicRead, now: float) -> Entry:
        out: list[tuple[bytes, bytes]] = []
        etag = hit_arg = None
        last_modified = None
        for name, value in raw:
            name = name.lower()
            if name == b"etag":
                etag = value.decode("latin-1")
            elif name == b"last-modified":
                last_modified = value
                continue
            elif name == HIT_HEADER:
                hit_arg = value.decode("latin-1")
            elif name == b"cache-control":
                continue  # one policy for every public read (the feeds' "max-age=0, must-revalidate" agrees)
            if name in _DROP_ON_STORE:
                continue
            out.append((name, value))
        if etag is None:
            etag = _etag(body)
            out.append((b"etag", etag.encode()))
        out.append((b"cache-control", conditional.PUBLIC_CACHE_CONTROL.encode()))
        out.append((b"cdn-cache-control", conditional.CDN_CACHE_CONTROL.encode()))
        out.append((b"vary", conditional.PUBLIC_VARY.encode()))
        return Entry(stamp=stamp[0] if stamp else None, at=stamp[1] if stamp else None, headers=out, body=body,
                     etag=etag, last_modified=last_modified, hit_arg=hit_arg, expires=now + rule.ttl,
                     size=len(body) + sum(len(k) + len(v) for k, v in out) + 200)

    async def _serve(self, entry: Entry, request_headers: list[tuple[bytes, bytes]], send: Send,
                     rule: PublicRead | None, outcome: tuple[bytes, bytes]) -> None:
        headers = [*entry.headers, outcome]
        modified = entry.last_modified
        if modified is None:
            modified = entry.last_modified = _http_date(entry.at)  # kept once it has passed
        if modified is not None:
            headers.append((b"last-modified", modified))
        if rule is not None and rule.on_hit is not None and entry.hit_arg is not None:
            rule.on_hit(entry.hit_arg)
        if _client_is_current(request_headers, entry.etag, modified):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [h for h in headers if h[0] not in _NOT_ON_304]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})


def _private(send: Send) -> Send:
    """A signed-in caller's answer: never held by a shared cache, and a browser keeps it apart from the
    anonymous page (Vary)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", [])
                       if k.lower() not in (b"cache-control", HIT_HEADER)]
            headers += [(b"cache-control", b"private, no-cache"), (b"vary", conditional.PUBLIC_VARY.encode()), _BYPASS]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


def _client_is_current(request_headers: list[tuple[bytes, bytes]], etag: str, modified: bytes | None) -> bool:
    """If-None-Match wins; If-Modified-Since answers 304 only against a Last-Modified that was sent (the first
    whole second by which the last change had certainly committed, see api.conditional)."""
    inm = _header(request_headers, b"if-none-match")
    if inm is not None:
        return conditional.client_is_current(inm.decode("latin-1"), None, etag, None)
    ims = _header(request_headers, b"if-modified-since")
    if ims is None or modified is None:
        return False
    try:
        since = parsedate_to_datetime(ims.decode("latin-1"))
        return since.tzinfo is not None and parsedate_to_datetime(modified.decode("latin-1")) <= since
    except (TypeError, ValueError):
        return False


def _private_answer(headers: list[tuple[bytes, bytes]]) -> bool:
    policy = _header(headers, b"cache-control") or b""
    return b"private" in policy or b"no-store" in policy


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for k, v in headers:
        if k == name:
            return v
    return None


def _without(headers: list[tuple[bytes, bytes]], name: bytes) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k.lower() != name]


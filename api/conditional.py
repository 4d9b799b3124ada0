"""Conditional GET (RFC 9110 §13): the one place that decides between 200 and 304.

The ETag names the exact state (a change-log sequence number, say) and is always sent; If-None-Match wins
over If-Modified-Since. An HTTP date has one-second resolution, so a date alone cannot tell a copy made at
10:00:00.2 from a change made at 10:00:00.7, and a change is stamped a moment before it commits. So
If-Modified-Since answers 304 only when the last change was stamped at least COMMIT_LAG before the date the
client sends; otherwise the validator cannot tell, and the answer is 200. Last-Modified is the first whole
second for which that holds (up to two seconds after the change's stamp), and is sent only once it has
passed: a client echoing it, or a cache sending a response's Date instead, never gets a 304 that hides a
change."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

# A change is stamped before its transaction commits; writes that stay open longer than this could still be
# missed by a date (never by the ETag).
COMMIT_LAG = timedelta(seconds=1)
CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Anonymous public reads (api/publiccache). Browsers revalidate every time (a 304 costs a cache hit): a citizen
# opening an item just retracted must not be shown the copy in their own cache, which stale-while-revalidate
# in Cache-Control would allow. Shared caches in front are told apart (RFC 9213): a CDN may hold a page 5 s and
# serve it up to 30 s longer while it revalidates, or 10 minutes while the portal is down; nginx is configured
# to the same (the README's section). Responses differ for a signed-in caller: Vary: Authorization.
PUBLIC_CACHE_CONTROL = "public, no-cache"
CDN_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30, stale-if-error=600"
PUBLIC_VARY = "Authorization"


def last_modified(last_change: datetime) -> datetime:
    """The first whole second by which a change stamped `last_change` has certainly committed."""
    settled = last_change + COMMIT_LAG
    whole = settled.replace(microsecond=0)
    return whole if whole == settled else whole + timedelta(seconds=1)


def validators(etag: str, last_change: datetime | None, now: datetime | None = None) -> dict[str, str]:
    """ETag always; Last-Modified once it is not in the future (RFC 9110 §8.8.2.1)."""
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if last_change is not None:
        modified = last_modified(last_change)
        if modified <= (now or datetime.now(UTC)):
            headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    return headers


def not_modified(request: Request, headers: dict[str, str], last_change: datetime | None) -> Response | None:
    """A 304 carrying `headers` when the client's copy is certainly current, else None (answer 200)."""
    if client_is_current(request.headers.get("if-none-match"), request.headers.get("if-modified-since"),
                         headers["ETag"], last_change):
        return Response(status_code=304, headers=headers)
    return None


def client_is_current(if_none_match: str | None, if_modified_since: str | None, etag: str,
                      last_change: datetime | None) -> bool:
    """The 200-or-304 decision on the raw request headers (also used by the response cache, below routing)."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if not if_modified_since or last_change is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and last_modified(last_change) <= since

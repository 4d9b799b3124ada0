"""The validators and the headers a cache in front needs (CDN, nginx as in the README): ETag and Last-Modified on
every public read, 304 on each validator, Cache-Control / CDN-Cache-Control / Vary, private for a signed-in
caller."""

import asyncio
import re
import time
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
from fastapi.routing import APIRoute

from api import conditional
from api.main import API_PREFIX, ROUTERS
from tests.cache.conftest import AdminTeam
from tests.disclosures.conftest import publish

README = Path(__file__).resolve().parents[2] / "README.md"


async def _pages(client: httpx.AsyncClient, team: AdminTeam) -> list[str]:
    v = await publish(client, team)
    item = await client.get(f"/api/v1/disclosures/{v['disclosure_id']}")
    return ["/api/v1/disclosures", "/api/v1/disclosures?limit=5", f"/api/v1/disclosures/{v['disclosure_id']}",
            f"/api/v1/disclosures/by-index-no?index_no={item.json()['index_no']}", "/api/v1/columns",
            "/api/v1/services", "/api/v1/complaints/published", "/api/v1/feeds/disclosures.atom",
            "/api/v1/feeds/disclosures.json", "/api/v1/disclosures/changes?since=0"]


async def test_every_public_read_carries_what_a_shared_cache_needs(cached: httpx.AsyncClient,
                                                                   team: AdminTeam) -> None:
    for url in await _pages(cached, team):
        for _ in range(2):  # made now, then from the cache: the same headers
            r = await cached.get(url)
            assert r.status_code == 200, (url, r.text)
            assert re.fullmatch(r'"[^"]+"', r.headers["etag"]), url
            assert r.headers["cache-control"] == conditional.PUBLIC_CACHE_CONTROL, url
            cdn = r.headers["cdn-cache-control"]
            assert "public" in cdn and "max-age=" in cdn and "stale-while-revalidate=" in cdn, url
            assert "Authorization" in r.headers["vary"], url
            assert "set-cookie" not in r.headers and "x-public-cache-hit" not in r.headers, url


async def test_if_none_match_answers_304_everywhere(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    for url in await _pages(cached, team):
        r = await cached.get(url)
        for _ in range(2):  # a miss and a hit decide alike
            again = await cached.get(url, headers={"If-None-Match": r.headers["etag"]})
            assert again.status_code == 304, url
            assert again.content == b"" and again.headers["etag"] == r.headers["etag"], url
            assert "Authorization" in again.headers["vary"], url
        other = await cached.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200, url


async def test_if_modified_since_answers_304_once_last_modified_is_sent(cached: httpx.AsyncClient,
                                                                        team: AdminTeam) -> None:
    pages = await _pages(cached, team)
    last: dict[str, str] = {}

    async def all_dated() -> bool:
        for url in pages:
            r = await cached.get(url)
            if "last-modified" in r.headers:
                last[url] = r.headers["last-modified"]
        return len(last) == len(pages)

    deadline = time.monotonic() + 10
    while not await all_dated():  # Last-Modified is sent once the last change has certainly committed (<= 2 s)
        assert time.monotonic() < deadline, set(pages) - set(last)
        await asyncio.sleep(0.05)
    for url, modified in last.items():
        r = await cached.get(url, headers={"If-Modified-Since": modified})
        assert r.status_code == 304, url
        before = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
        assert (await cached.get(url, headers={"If-Modified-Since": before})).status_code == 200, url


async def test_a_signed_in_answer_is_private(cached: httpx.AsyncClient, team: AdminTeam) -> None:
    for url in await _pages(cached, team):
        r = await cached.get(url, headers=team.h(team.editor))
        assert r.headers["cache-control"] == "private, no-cache", url
        assert "cdn-cache-control" not in r.headers, url
        assert "Authorization" in r.headers["vary"], url


def test_the_readme_nginx_configuration_keeps_signed_in_requests_out_of_the_cache() -> None:
    text = README.read_text(encoding="utf-8")
    block = text[text.index("```nginx"):]
    block = block[:block.index("```", 3)]
    for line in ("proxy_cache_bypass $http_authorization $cookie_zw_refresh;",
                 "proxy_no_cache $http_authorization $cookie_zw_refresh $portal_not_public;",
                 'map $upstream_http_cdn_cache_control $portal_not_public { "" 1; default 0; }',
                 "proxy_cache_use_stale updating error timeout", "proxy_cache_background_update on;",
                 "proxy_cache_revalidate on;", "proxy_cache_valid 200 5s;", "proxy_cache_methods GET HEAD;"):
        assert line in block, line


def test_the_readme_nginx_location_covers_every_public_read() -> None:
    """The cached location's path pattern matches each route marked @public_read (the other GET routes it also
    matches are kept out of nginx's store by $portal_not_public: they send no CDN-Cache-Control)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"location ~ (\^/api/v1/\S+) \{", text)
    assert match is not None, "the README's nginx block has no cached location"
    cached = re.compile(match.group(1))
    public = []
    for route in (r for router in ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        sample = re.sub(r"\{[^}]+\}", "1", API_PREFIX + route.path)
        if getattr(route.endpoint, "public_read", None):
            public.append(sample)
    assert public and all(cached.search(p) for p in public), [p for p in public if not cached.search(p)]

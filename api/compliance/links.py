"""The link job: every link and attachment of the published items, checked without leaving the machine.

Internal links (relative, or to one of the site's own host names) are resolved against our own data, never
fetched: an item link must name a published item, an attachment link an attachment whose bytes are on disk, a
service link an active service, any other path one of the SPA's sections. External links are listed and left
alone unless an admin turns outbound checks on; even then a host that resolves to a loopback, private,
link-local or reserved address is never contacted (the job must not become a way to probe the inside network).
The job replaces the whole table in one transaction, so the radar reads one consistent run."""

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalog import service as catalog
from api.compliance.models import LinkCheck
from api.compliance.schemas import LinkCheckRun
from api.compliance.service import get_settings_row
from api.compliance.states import LinkSource, LinkStatus
from api.database import utcnow
from api.disclosures import service as disclosures
from api.files import service as files
from api.files.models import Attachment

# SPA sections a relative link may point into (web/src/router); anything else is a page that does not exist.
SITE_SECTIONS = ("disclosures", "services", "interaction", "login", "register", "my", "workspace", "api")
_ITEM = re.compile(r"^/disclosures/(\d+)/?$")
_ATTACHMENT = re.compile(r"^/api/v1/disclosures/(\d+)/attachments/(\d+)/?$")
_SERVICE = re.compile(r"^/services/([A-Za-z0-9_-]+)/?$")
OUTBOUND_TIMEOUT = 10.0
OUTBOUND_CONCURRENCY = 4


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (tag in ("img", "source", "iframe") and name == "src")):
                self.urls.append(value.strip())


def extract_links(html: str) -> list[str]:
    """The distinct href/src targets of a body, in order; anchors, mailto: and tel: are not links to check."""
    parser = _LinkParser()
    parser.feed(html or "")
    seen: dict[str, None] = {}
    for url in parser.urls:
        if not url or url.startswith("#") or url.lower().startswith(("mailto:", "tel:", "javascript:", "data:")):
            continue
        seen.setdefault(url[:2000], None)
    return list(seen)


@dataclass
class _Known:
    published: set[int]
    attachments: dict[int, Attachment]
    services: set[str]


@dataclass
class Verdict:
    status: LinkStatus
    reason: str
    external: bool


def judge_internal(path: str, known: _Known) -> Verdict:
    path = unquote(path or "/")
    if m := _ITEM.match(path):
        ok = int(m.group(1)) in known.published
        return Verdict(LinkStatus.ok if ok else LinkStatus.broken, "" if ok else "链接的信息不存在或未发布", False)
    if m := _ATTACHMENT.match(path):
        att = known.attachments.get(int(m.group(2)))
        if att is None:
            return Verdict(LinkStatus.broken, "链接的附件不存在", False)
        if not files.blob_path(att.sha256).exists():
            return Verdict(LinkStatus.broken, "附件文件缺失", False)
        return Verdict(LinkStatus.ok, "", False)
    if m := _SERVICE.match(path):
        ok = m.group(1) in known.services
        return Verdict(LinkStatus.ok if ok else LinkStatus.broken, "" if ok else "链接的办事事项不存在或已停用", False)
    first = path.strip("/").split("/", 1)[0]
    if first == "" or first in SITE_SECTIONS:
        return Verdict(LinkStatus.ok, "", False)
    return Verdict(LinkStatus.broken, "站内页面不存在", False)


def _blocked_address(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the fetch fails and says so
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_loopback or addr.is_private or addr.is_link_local or addr.is_reserved or addr.is_multicast \
                or addr.is_unspecified:
            return True
    return False


async def fetch_external(url: str, client: httpx.AsyncClient) -> Verdict:
    """HEAD (GET when HEAD is refused) an external link; inside-network addresses are never contacted."""
    host = urlsplit(url).hostname or ""
    if await asyncio.to_thread(_blocked_address, host):
        return Verdict(LinkStatus.unchecked, "内网或本机地址，不检测", True)
    try:
        r = await client.head(url)
        if r.status_code in (405, 501):
            r = await client.get(url)
    except httpx.HTTPError as exc:
        return Verdict(LinkStatus.broken, f"无法访问（{type(exc).__name__}）", True)
    if r.status_code >= 400:
        return Verdict(LinkStatus.broken, f"HTTP {r.status_code}", True)
    return Verdict(LinkStatus.ok, "", True)


async def run(session: AsyncSession, client: httpx.AsyncClient | None = None) -> LinkCheckRun:
    """Check every published item's links and attachments and replace the stored results."""
    return await store(session, await collect(session, client))


async def collect(session: AsyncSession, client: httpx.AsyncClient | None = None) -> list[LinkCheck]:
    """The results of checking every published item's links and attachments, not yet stored: this only reads
    (the daily job runs it before its write transaction, so parsing every body and any outbound fetch hold no
    write lock)."""
    settings = await get_settings_row(session)
    own = set(settings.own_hosts)
    Disclosure = disclosures.Disclosure
    items = (await session.execute(
        select(Disclosure.id, Disclosure.body_html, Disclosure.published_version_id)
        .where(Disclosure.status == disclosures.DisclosureStatus.published).order_by(Disclosure.id))).all()
    version_ids = {r.published_version_id: r.id for r in items if r.published_version_id}
    atts = (await session.execute(select(Attachment).where(
        Attachment.owner_type == disclosures.VERSION_OWNER,
        Attachment.owner_id.in_(list(version_ids))))).scalars().all() if version_ids else []
    Service = catalog.Service
    known = _Known(published={r.id for r in items}, attachments={a.id: a for a in atts},
                   services=set((await session.execute(select(Service.code).where(Service.is_active.is_(True))))
                                .scalars()))
    now = utcnow()
    rows: list[LinkCheck] = []
    outbound: list[LinkCheck] = []
    for item in items:
        for url in extract_links(item.body_html):
            parts = urlsplit(url)
            external = parts.scheme in ("http", "https") and (parts.hostname or "").lower() not in own
            if parts.scheme and parts.scheme not in ("http", "https"):
                continue
            if external:
                row = LinkCheck(disclosure_id=item.id, source=LinkSource.body, url=url, external=True,
                                status=LinkStatus.unchecked, reason="外部链接，未开启外网检测", checked_at=now)
                if settings.outbound_checks:
                    outbound.append(row)
            else:
                v = judge_internal(parts.path, known)
                row = LinkCheck(disclosure_id=item.id, source=LinkSource.body, url=url, external=False,
                                status=v.status, reason=v.reason, checked_at=now)
            rows.append(row)
    for att in atts:
        present = files.blob_path(att.sha256).exists()
        rows.append(LinkCheck(disclosure_id=version_ids[att.owner_id], source=LinkSource.attachment,
                              url=att.filename, external=False,
                              status=LinkStatus.ok if present else LinkStatus.broken,
                              reason="" if present else "附件文件缺失", checked_at=now))
    if outbound:
        await _check_outbound(outbound, client)
    return rows


async def store(session: AsyncSession, rows: list[LinkCheck]) -> LinkCheckRun:
    """Replace the stored results with `rows`."""
    await session.execute(delete(LinkCheck))
    session.add_all(rows)
    await session.flush()
    return LinkCheckRun(checked=len(rows), broken=sum(r.status == LinkStatus.broken for r in rows),
                        unchecked=sum(r.status == LinkStatus.unchecked for r in rows))


async def _check_outbound(rows: list[LinkCheck], client: httpx.AsyncClient | None) -> None:
    limit = asyncio.Semaphore(OUTBOUND_CONCURRENCY)
    verdicts: dict[str, Verdict] = {}

    async def one(url: str, c: httpx.AsyncClient) -> None:
        async with limit:
            verdicts[url] = await fetch_external(url, c)

    async def all_with(c: httpx.AsyncClient) -> None:
        await asyncio.gather(*(one(u, c) for u in {r.url for r in rows}))

    if client is None:
        # Redirects are not followed: one could point inside; a 3xx answer counts as reachable.
        async with httpx.AsyncClient(timeout=OUTBOUND_TIMEOUT, follow_redirects=False,
                                     headers={"User-Agent": "zhengwu-portal-linkcheck"}) as own_client:
            await all_with(own_client)
    else:
        await all_with(client)
    for r in rows:
        v = verdicts[r.url]
        r.status, r.reason = v.status, v.reason or "外部链接可访问"

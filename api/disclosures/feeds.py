"""Atom (RFC 4287, with RFC 6721 tombstones) and JSON Feed 1.1 renderings, and the validators of the feeds
and the change log (the 200-or-304 decision is api.conditional's)."""

import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from api import conditional
from api.disclosures.states import DisclosureStatus
from api.websub.service import HUB_PATH

TAG = "tag:zhengwu-portal.example,2026:disclosure/"
FEED_TITLE = "政务公开"
FORMAT_VERSION = "3"  # part of every ETag: a change of rendering must not answer 304 to an old copy
LEFT_FILTER = "已移出本订阅的范围（栏目、发布机构或主题分类已变更）"


def entry_id(disclosure_id: int) -> str:
    return f"{TAG}{disclosure_id}"


def _iso(dt: datetime | None) -> str:
    return (dt or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def hub_url(base: str) -> str:
    return base + HUB_PATH


def link_header(base: str, self_url: str) -> str:
    """WebSub discovery in the HTTP headers as well as in the document."""
    return f'<{hub_url(base)}>; rel="hub", <{self_url}>; rel="self"'


def validators(kind: str, seq: int, at: datetime | None) -> dict[str, str]:
    return conditional.validators(f'"{kind}-{FORMAT_VERSION}-{seq}"', at)


def atom(rows: list[Any], departed: list[Any], base: str, self_url: str, updated: datetime | None) -> str:
    """`rows` as changelog.feed_entries returns them (FEED_COLUMNS, column_name, publisher_name), `departed`
    as changelog.departures does (items that left the filter: tombstones too)."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0" '
        'xml:lang="zh-CN">',
        f"<id>{escape(TAG.rstrip('/') + 's')}</id>",
        f"<title>{escape(FEED_TITLE)}</title>",
        f"<updated>{_iso(updated)}</updated>",
        f"<link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(self_url)}/>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(base + '/')}/>",
        f"<link rel=\"hub\" href={quoteattr(hub_url(base))}/>",
        "<author><name>政务门户</name></author>",
        "<generator>Zhengwu Portal</generator>",
    ]
    for d in rows:
        if d.status == DisclosureStatus.retracted:
            out.append(f'<at:deleted-entry ref={quoteattr(entry_id(d.id))} when="{_iso(d.retracted_at)}">'
                       f"<at:comment>{escape(d.retract_reason or '')}</at:comment></at:deleted-entry>")
            continue
        link = f"{base}/disclosures/{d.id}"
        out.append(
            "<entry>"
            f"<id>{entry_id(d.id)}</id>"
            f"<title>{escape(d.title)}</title>"
            f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(link)}/>"
            f"<published>{_iso(d.first_published_at)}</published>"
            f"<updated>{_iso(d.updated_at)}</updated>"
            f"<author><name>{escape(d.publisher_name)}</name></author>"
            f"<category term={quoteattr(str(d.column_id))} label={quoteattr(d.column_name)}/>"
            + (f"<summary>{escape(d.summary)}</summary>" if d.summary else "")
            + f"<content type=\"html\">{escape(d.body_html)}</content>"
            "</entry>"
        )
    for gone in departed:
        out.append(f'<at:deleted-entry ref={quoteattr(entry_id(gone.disclosure_id))} when="{_iso(gone.at)}">'
                   f"<at:comment>{escape(LEFT_FILTER)}</at:comment></at:deleted-entry>")
    out.append("</feed>")
    return "\n".join(out)


def json_feed(rows: list[Any], departed: list[Any], base: str, self_url: str) -> str:
    """JSON Feed has no tombstones: retracted items and items that left the filter are listed in the
    `_zhengwu.deleted_items` extension (readers ignore `_` members; mirrors drop those ids)."""
    items = []
    deleted = [{"id": entry_id(g.disclosure_id), "date_deleted": _iso(g.at), "reason": "left_filter"}
               for g in departed]
    for d in rows:
        if d.status != DisclosureStatus.published:
            deleted.append({"id": entry_id(d.id), "date_deleted": _iso(d.retracted_at), "reason": "retracted"})
            continue
        item: dict[str, Any] = {
            "id": entry_id(d.id),
            "url": f"{base}/disclosures/{d.id}",
            "title": d.title,
            "content_html": d.body_html or "<p></p>",
            "date_published": _iso(d.first_published_at),
            "date_modified": _iso(d.updated_at),
            "authors": [{"name": d.publisher_name}],
            "tags": [d.column_name] + ([d.topic] if d.topic else []),
            "_zhengwu": {"index_no": d.index_no, "doc_no": d.doc_no, "validity": str(d.validity),
                         "version": d.version_no},
        }
        if d.summary:
            item["summary"] = d.summary
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "home_page_url": base + "/",
        "feed_url": self_url,
        "language": "zh-CN",
        "authors": [{"name": "政务门户"}],
        "hubs": [{"type": "WebSub", "url": hub_url(base)}],
        "items": items,
        "_zhengwu": {"deleted_items": deleted},
    }
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":"))

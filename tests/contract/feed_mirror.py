"""A feed-mirror suite that runs against any base URL: a mirror that follows GET /api/v1/disclosures/changes
(created/updated → fetch the item; retracted/removed → drop it) must hold exactly the public catalogue
(GET /api/v1/disclosures): the same items, titles and columns. Run it once for a read-only check of a live
server; the pytest wiring interleaves publishes, edits, column moves and retractions with syncs."""

from typing import Any

import httpx

from tests.contract.report import Report

API = "/api/v1"


class Mirror:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.cursor = "0"
        self.items: dict[int, dict[str, Any]] = {}

    async def sync(self) -> int:
        """Follow the change log to its end; returns the number of events applied."""
        applied = 0
        while True:
            r = await self.http.get(f"{API}/disclosures/changes", params={"since": self.cursor, "limit": 100})
            r.raise_for_status()
            page = r.json()
            for event in page["items"]:
                applied += 1
                if event["kind"] in ("created", "updated"):
                    item = await self.http.get(f"{API}/disclosures/{event['disclosure_id']}")
                    if item.status_code == 200:
                        self.items[event["disclosure_id"]] = _view(item.json())
                    else:  # gone again since: a later event says so
                        self.items.pop(event["disclosure_id"], None)
                else:
                    self.items.pop(event["disclosure_id"], None)
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                return applied


def _view(d: dict[str, Any]) -> dict[str, Any]:
    return {"title": d["title"], "column_id": d["column"]["id"], "index_no": d.get("index_no")}


async def catalogue(http: httpx.AsyncClient) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        r = await http.get(f"{API}/disclosures", params=params)
        r.raise_for_status()
        page = r.json()
        out.update({d["id"]: _view(d) for d in page["items"]})
        cursor = page.get("next_cursor")
        if not cursor:
            return out


async def compare(mirror: Mirror, report: Report, label: str) -> None:
    await mirror.sync()
    truth = await catalogue(mirror.http)
    extra = sorted(set(mirror.items) - set(truth))
    missing = sorted(set(truth) - set(mirror.items))
    report.check(f"{label}: the mirror holds the catalogue's items", not extra and not missing,
                 f"only in the mirror {extra[:5]}, only in the catalogue {missing[:5]}")
    differ = sorted(i for i in set(truth) & set(mirror.items) if truth[i] != mirror.items[i])
    report.check(f"{label}: titles, columns and 索引号 agree", not differ, f"differ: {differ[:5]}")


async def run(http: httpx.AsyncClient) -> Report:
    report = Report("feed mirror")
    mirror = Mirror(http)
    await compare(mirror, report, "from the beginning of the change log")
    return report

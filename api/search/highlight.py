"""Snippets with matches wrapped in <mark>: the text is HTML-escaped piece by piece, so only our
own <mark> tags ever reach the browser."""

import html
import re
from functools import lru_cache

from api.search.tokenizer import query_terms


@lru_cache(maxsize=256)
def _pattern(q: str) -> re.Pattern[str] | None:
    terms = sorted({t for t in query_terms(q) if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def highlight(text: str, q: str) -> str:
    """The whole text escaped, with every query term marked."""
    return snippet(text, q, width=None)


def snippet(text: str, q: str, width: int | None = 120) -> str:
    """A window of about `width` characters around the first match (or the text's start)."""
    text = text or ""
    pattern = _pattern(q)
    first = pattern.search(text) if pattern else None
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        start = max(0, (first.start() if first else 0) - width // 4)
        end = min(len(text), start + width)
    window = text[start:end]
    out = ["…" if start > 0 else ""]
    pos = 0
    for m in pattern.finditer(window) if pattern else ():
        out.append(html.escape(window[pos:m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        pos = m.end()
    out.append(html.escape(window[pos:]))
    out.append("…" if end < len(text) else "")
    return "".join(out)

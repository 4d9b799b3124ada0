"""Chinese-aware tokens for full-text search without a database extension.

A run of CJK characters becomes its overlapping bigrams plus its single characters, so any
Chinese word of two or more characters is found by AND-ing its bigrams and a one-character query
still matches. ASCII letters and digits form lowercased words. The same function serves the index
and the query, so both sides always agree.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# CJK Unified Ideographs (+ Extension A and the compatibility block); everything else separates.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[A-Za-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TOKENS = 32


def _run_tokens(run: str, singles: bool) -> list[str]:
    if not _IS_CJK.match(run):
        return [run.lower()]
    out = [run[i:i + 2] for i in range(len(run) - 1)]
    if singles or len(run) == 1:
        out.extend(run)
    return out


def index_tokens(text: str) -> list[str]:
    """Tokens to store for a document (bigrams, single characters, ASCII words), in text order."""
    tokens: list[str] = []
    for run in _RUN.findall(text or ""):
        tokens.extend(_run_tokens(run, singles=True))
    return tokens


def index_text(*parts: str | None) -> str:
    """The space-separated token string kept in a table's search column."""
    return " ".join(t for part in parts if part for t in index_tokens(part))


def query_terms(q: str) -> list[str]:
    """The runs a query asks for (as typed, lowercased ASCII); used for highlighting."""
    return [r.lower() if not _IS_CJK.match(r) else r for r in _RUN.findall(q or "")]


def query_tokens(q: str) -> list[str]:
    """Distinct tokens every matching document must contain: bigrams of multi-character CJK runs,
    the character itself for a one-character run, ASCII words as typed (lowercased)."""
    seen: dict[str, None] = {}
    for run in _RUN.findall(q or ""):
        for tok in _run_tokens(run, singles=False):
            seen.setdefault(tok, None)
    return list(seen)[:MAX_QUERY_TOKENS]



MAX_ALTERNATIVES = 4


@dataclass(frozen=True)
class Alternative:
    text: str  # as it would appear in a document (lowercased ASCII)
    tokens: tuple[str, ...]


def query_groups(q: str, synonyms: Mapping[str, Sequence[str]] | None = None) -> list[list[Alternative]]:
    """What a document must contain: every run of the query (AND), as typed or with a synonym in place of a
    term it contains (OR), each alternative as its tokens (AND). `synonyms` maps a term to what it may also
    be written as (公车 → 公务用车). At most MAX_QUERY_TOKENS tokens in all, like query_tokens."""
    groups: list[list[Alternative]] = []
    budget = MAX_QUERY_TOKENS
    for run in dict.fromkeys(r.lower() for r in _RUN.findall(q or "")):
        texts = [run] + [run.replace(term, other) for term, others in (synonyms or {}).items()
                         if term and term in run for other in others]
        group: list[Alternative] = []
        for text in dict.fromkeys(texts):
            tokens = tuple(dict.fromkeys(t for sub in _RUN.findall(text) for t in _run_tokens(sub, singles=False)))
            if tokens and len(tokens) <= budget and len(group) < MAX_ALTERNATIVES:
                group.append(Alternative(text.lower(), tokens))
                budget -= len(tokens)
        if group:
            groups.append(group)
    return groups

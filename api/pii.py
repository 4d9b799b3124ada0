"""Personal data in free text: one detector for the disclosure secrecy check (api/disclosures/checks.py) and
the masking of published letters (api/complaints/masking.py).

Kinds: resident ID numbers (18 digits with the GB 11643 check character, or the old 15 digits), mobile
numbers (11 digits from 13–19, with or without +86/0086, grouped 3-4-4 by spaces or hyphens), bank card
numbers (16–19 digits passing Luhn, grouped or not), landlines (area code 0xx/0xxx, then 7–8 digits) and
e-mail addresses.

Text is matched after `normalise()`, which maps full-width digits, letters and signs (１３８, ＋, －, ＠),
the ideographic space and dashes to ASCII one character for one, so every match's `start`/`end` index the
original text and masking replaces exactly the characters the writer typed.

`strict` is for flagging (the secrecy check): an 18-digit ID number needs its check character, a 15-digit
one a real birth date, and a number must not touch a letter (an order number like A13912345678B is not a
phone). Without it (masking before publication) the shape suffices: a mistyped ID number is still
someone's."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PiiKind(StrEnum):
    resident_id = "resident_id"
    mobile = "mobile"
    bank_card = "bank_card"
    landline = "landline"
    email = "email"


@dataclass(frozen=True)
class PiiMatch:
    kind: PiiKind
    start: int  # into the original text
    end: int
    value: str  # normalised: ASCII digits without separators or prefix (e-mail: the address)


_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # ！ … ～ → ! … ~, １ → 1, Ａ → A
_OTHER = {0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x2010: "-", 0x2011: "-",
          0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2212: "-"}
_TABLE: dict[int, int | str] = {**_FULL_WIDTH, **_OTHER}


def normalise(text: str) -> str:
    """Full-width forms and look-alike spaces and dashes as ASCII, one character for one (same offsets)."""
    return text.translate(_TABLE)


_SEP = r"[ \-]?"


def _overlapping(pattern: str) -> re.Pattern[str]:
    """Every start position, overlapping: a greedy scan could swallow the digits a real match needs."""
    return re.compile(rf"(?=(?P<all>{pattern}))")


_ID18 = _overlapping(rf"\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXx]")
_ID15 = _overlapping(rf"\d{{6}}{_SEP}\d{{6}}{_SEP}\d{{3}}")
_MOBILE = _overlapping(rf"(?:(?:\+|00)86{_SEP})?(?P<national>1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}})")
_CARDS = [_overlapping(rf"\d(?:{_SEP}\d){{{n - 1}}}") for n in (19, 18, 17, 16)]
_LANDLINE = _overlapping(r"(?:\(0\d{2,3}\) ?|0\d{2,3}[ \-])\d{7,8}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PRIORITY = {PiiKind.resident_id: 0, PiiKind.bank_card: 1, PiiKind.mobile: 2, PiiKind.landline: 3,
             PiiKind.email: 4}


def _birth_date_valid(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date(2100, 12, 31)


def resident_id_valid(s: str) -> bool:
    """GB 11643: 17 digits, a birth date that exists, and the ISO 7064 MOD 11-2 check character."""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    if not _birth_date_valid(int(s[6:10]), int(s[10:12]), int(s[12:14])):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == s[17].upper()


def old_resident_id_valid(s: str) -> bool:
    """GB 11643-1989: 15 digits with a birth date (YYMMDD, 19xx) at positions 7–12."""
    return len(s) == 15 and s.isdigit() and _birth_date_valid(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))


def luhn_valid(s: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit() or c in "Xx").upper()


def _bounded(norm: str, start: int, end: int, strict: bool) -> bool:
    """Not part of a longer run of digits (nor, when strict, glued to letters)."""
    def joins(c: str) -> bool:
        return c.isascii() and (c.isdigit() or (strict and c.isalpha()))
    return not (start > 0 and joins(norm[start - 1])) and not (end < len(norm) and joins(norm[end]))


def _spans(pattern: re.Pattern[str], norm: str, strict: bool) -> Iterable[tuple[int, int, re.Match[str]]]:
    for m in pattern.finditer(norm):
        start, end = m.span("all")
        if _bounded(norm, start, end, strict):
            yield start, end, m


def _candidates(norm: str, strict: bool) -> Iterable[PiiMatch]:
    for start, end, m in _spans(_ID18, norm, strict):
        value = _digits(m.group("all"))
        if not strict or resident_id_valid(value):
            yield PiiMatch(PiiKind.resident_id, start, end, value)
    for start, end, m in _spans(_ID15, norm, strict):
        value = _digits(m.group("all"))
        if not strict or old_resident_id_valid(value):
            yield PiiMatch(PiiKind.resident_id, start, end, value)
    for start, end, m in _spans(_MOBILE, norm, strict):
        yield PiiMatch(PiiKind.mobile, start, end, _digits(m.group("national")))
    for pattern in _CARDS:
        for start, end, m in _spans(pattern, norm, strict):
            value = _digits(m.group("all"))
            if luhn_valid(value):
                yield PiiMatch(PiiKind.bank_card, start, end, value)
    for start, end, m in _spans(_LANDLINE, norm, strict):
        yield PiiMatch(PiiKind.landline, start, end, _digits(m.group("all")))
    for m in _EMAIL.finditer(norm):
        yield PiiMatch(PiiKind.email, m.start(), m.end(), m.group())


def find(text: str, strict: bool = False, kinds: Iterable[PiiKind] | None = None) -> list[PiiMatch]:
    """Non-overlapping matches in text order; where two overlap, the longer wins (then ID, card, mobile)."""
    wanted = set(kinds) if kinds is not None else set(PiiKind)
    norm = normalise(text or "")
    found = sorted((c for c in _candidates(norm, strict) if c.kind in wanted),
                   key=lambda c: (c.start - c.end, _PRIORITY[c.kind], c.start))
    taken: list[PiiMatch] = []
    for c in found:
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda c: c.start)


def redact(text: str, m: PiiMatch, head: int = 0, tail: int = 0) -> str:
    """The characters of m's span with the digits of its value starred, except the first `head` and the last
    `tail`; separators, a +86 prefix and full-width forms stay as written, so the length is the same."""
    span = text[m.start:m.end]
    positions = [i for i, c in enumerate(span) if c.isdigit() or c in "Xx"][-len(m.value):]
    hidden = set(positions[head:len(positions) - tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(span))

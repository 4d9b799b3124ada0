"""Pre-publication check (涉密不上网、上网不涉密): classification markings block publication;
personal data is flagged for the secrecy officer. Pure functions over plain text."""

import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

CLASSIFICATION_MARKINGS = ("国家秘密", "绝密", "机密", "秘密", "涉密", "内部", "★")
# Everyday phrases that contain a marking's characters without being a marking.
NOT_MARKINGS = ("商业秘密", "内部控制", "内部审计", "内部管理", "内部监督", "内部设置", "内部机构")


class FindingKind(StrEnum):
    classification = "classification"
    resident_id = "resident_id"
    mobile = "mobile"
    bank_card = "bank_card"


BLOCKING = frozenset({FindingKind.classification})
KIND_LABELS = {
    FindingKind.classification: "密级标志",
    FindingKind.resident_id: "居民身份证号码",
    FindingKind.mobile: "手机号码",
    FindingKind.bank_card: "银行卡号",
}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    field: str
    start: int
    end: int
    match: str  # personal data is masked; a marking is shown as is
    context: str
    blocking: bool

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        d["label"] = KIND_LABELS[self.kind]
        return d


_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{11,19}[Xx]?(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def resident_id_valid(s: str) -> bool:
    """GB 11643: 17 digits, a birth date that exists, and the ISO 7064 MOD 11-2 check character."""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    year, month, day = int(s[6:10]), int(s[10:12]), int(s[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == s[17].upper()


def luhn_valid(s: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask(s: str) -> str:
    keep = 3 if len(s) <= 11 else 4
    return s[:keep] + "*" * (len(s) - 2 * keep) + s[-keep:]


def _context(text: str, start: int, end: int, shown: str) -> str:
    return text[max(0, start - 12):start] + shown + text[end:end + 12]


def check_text(field: str, text: str, extra_markings: tuple[str, ...] = ()) -> list[Finding]:
    findings: list[Finding] = []
    markings = sorted(set(CLASSIFICATION_MARKINGS) | set(extra_markings), key=len, reverse=True)
    covered: list[tuple[int, int]] = []
    for phrase in NOT_MARKINGS:
        covered.extend((m.start(), m.end()) for m in re.finditer(re.escape(phrase), text))
    marking_re = re.compile("|".join(re.escape(m) for m in markings if m))
    for m in marking_re.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        findings.append(Finding(FindingKind.classification, field, m.start(), m.end(), m.group(),
                                _context(text, m.start(), m.end(), m.group()), True))
    personal: list[tuple[FindingKind, int, int, str]] = []
    for m in _DIGITS.finditer(text):
        s = m.group()
        kind = None
        if len(s) == 18 and resident_id_valid(s):
            kind = FindingKind.resident_id
        elif _MOBILE.match(s):
            kind = FindingKind.mobile
        elif s.isdigit() and 16 <= len(s) <= 19 and luhn_valid(s):
            kind = FindingKind.bank_card
        if kind:
            personal.append((kind, m.start(), m.end(), mask(s)))
    # Contexts come from the masked text, so no finding shows another one's digits.
    masked = text
    for _, start, end, shown in personal:
        masked = masked[:start] + shown + masked[end:]
    for kind, start, end, shown in personal:
        findings.append(Finding(kind, field, start, end, shown, _context(masked, start, end, shown), False))
    for i, f in enumerate(findings):
        if f.blocking:
            findings[i] = Finding(f.kind, f.field, f.start, f.end, f.match,
                                  _context(masked, f.start, f.end, f.match), True)
    return sorted(findings, key=lambda f: f.start)


def check_fields(fields: dict[str, str | None], extra_markings: tuple[str, ...] = ()) -> list[Finding]:
    out: list[Finding] = []
    for name, value in fields.items():
        if value:
            out.extend(check_text(name, value, extra_markings))
    return out

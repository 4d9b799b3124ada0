"""Pre-publication check (涉密不上网、上网不涉密): classification markings block publication;
personal data (found by api.pii, strictly) is flagged for the secrecy officer. Pure functions over plain text."""

import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from api import pii

CLASSIFICATION_MARKINGS = ("国家秘密", "绝密", "机密", "秘密", "涉密", "内部", "★")
# Everyday phrases that contain a marking's characters without being a marking.
NOT_MARKINGS = ("商业秘密", "内部控制", "内部审计", "内部管理", "内部监督", "内部设置", "内部机构")


class FindingKind(StrEnum):
    classification = "classification"
    resident_id = "resident_id"
    mobile = "mobile"
    bank_card = "bank_card"


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


# Flagged for the secrecy officer. Landlines and e-mail addresses are how offices are reached, so they are not.
_PERSONAL = {pii.PiiKind.resident_id: FindingKind.resident_id, pii.PiiKind.mobile: FindingKind.mobile,
             pii.PiiKind.bank_card: FindingKind.bank_card}


def _shown(text: str, m: pii.PiiMatch) -> str:
    """The match as the officer sees it: the first and last 3 (11 digits or fewer) or 4 digits."""
    keep = 3 if len(m.value) <= 11 else 4
    return pii.redact(text, m, keep, keep)


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
    personal = [(_PERSONAL[m.kind], m.start, m.end, _shown(text, m))
                for m in pii.find(text, strict=True, kinds=_PERSONAL)]
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

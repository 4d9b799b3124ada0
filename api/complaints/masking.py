"""Mask personal data before a letter is published (公开选登); the editor reviews the result.

Rules (documented for editors). Numbers and addresses are found by api.pii, in any of the ways people write
them (+86 138 1234 5678, 138-1234-5678, full-width digits); spaces, hyphens and widths are kept as written:
- resident ID numbers (18 or 15 digits) are masked entirely: the region and birth date they carry
  identify a person too well to show any part of them;
- mobile numbers keep the first 3 and last 4 digits (138****8000); landlines keep the area code;
- bank card numbers keep the first and last 4 digits (6222***********0128);
- e-mail addresses keep the first character and the domain;
- the writer's name from the form, names before 先生/女士/同志 and after 我叫/名叫/姓名 keep the surname
  (张三丰 → 张**, 李明先生 → 李*先生);
- house numbers after a road, street, lane or estate are replaced (人民路88号3栋 → 人民路***).
Masking is idempotent: masked text passes through unchanged.
"""

import re

from api import pii

_CN = "\u4e00-\u9fa5"
# The common surnames (百家姓 top 100 or so): a title is preceded by a name only when one starts it.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
             "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_TITLED = re.compile(rf"(?:欧阳|司马|诸葛|上官|([{_SURNAMES}]))([{_CN}]{{1,2}}?)(?=先生|女士|同志)")
_INTRODUCED = re.compile(rf"(我叫|姓名[:：]?\s*|名叫)([{_CN}])([{_CN}]{{1,2}})")
_NUM = r"[0-9０-９一二三四五六七八九十百零〇]+"
_UNIT = r"(?:号楼|号院|号|栋|幢|单元|室|楼|层|弄|座)"
_ADDRESS = re.compile(
    rf"([{_CN}]{{1,12}}?(?:路|街|大道|大街|巷|弄|胡同|小区|花园|家园|公寓|新村|苑|里))"
    rf"(?:{_NUM}(?:[-－]{_NUM})?{_UNIT})+"
)
_BARE_ADDRESS = re.compile(rf"(?<![{_CN}*]){_NUM}(?:号楼|栋|幢)(?:{_NUM}{_UNIT})+")


def _stars(n: int) -> str:
    return "*" * max(1, n)


def mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + _stars(len(name) - 1) if len(name) > 1 else name


def _masked(text: str, m: pii.PiiMatch) -> str:
    if m.kind == pii.PiiKind.resident_id:
        return pii.redact(text, m)
    if m.kind == pii.PiiKind.mobile:
        return pii.redact(text, m, 3, 4)
    if m.kind == pii.PiiKind.bank_card:
        return pii.redact(text, m, 4, 4)
    if m.kind == pii.PiiKind.landline:
        area = 3 if m.value.startswith(("01", "02")) else 4
        return pii.redact(text, m, area, 0)
    span = text[m.start:m.end]
    at = span.index("@") if "@" in span else span.index("＠")
    return span[:1] + "***" + span[at:]


def mask_personal_numbers(text: str) -> str:
    """ID, mobile, bank card and landline numbers and e-mail addresses masked where they stand."""
    out = text
    for m in reversed(pii.find(text)):
        out = out[:m.start] + _masked(text, m) + out[m.end:]
    return out


def mask_text(text: str, names: list[str] | None = None) -> str:
    out = mask_personal_numbers(text)
    for name in sorted({n.strip() for n in names or [] if n and len(n.strip()) > 1}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    out = _TITLED.sub(lambda m: m.group(0)[: len(m.group(0)) - len(m.group(2))] + _stars(len(m.group(2))), out)
    out = _INTRODUCED.sub(lambda m: m.group(1) + m.group(2) + _stars(len(m.group(3))), out)
    out = _ADDRESS.sub(lambda m: m.group(1) + "***", out)
    return _BARE_ADDRESS.sub("***", out)

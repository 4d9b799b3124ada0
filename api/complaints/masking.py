"""Mask personal data before a letter is published (公开选登); the editor reviews the result.

Rules (documented for editors):
- resident ID numbers (18 or 15 digits) are masked entirely: the region and birth date they carry
  identify a person too well to show any part of them;
- mobile numbers keep the first 3 and last 4 digits (138****8000); landlines keep the area code;
- e-mail addresses keep the first character and the domain;
- the writer's name from the form, names before 先生/女士/同志 and after 我叫/名叫/姓名 keep the surname
  (张三丰 → 张**, 李明先生 → 李*先生);
- house numbers after a road, street, lane or estate are replaced (人民路88号3栋 → 人民路***).
Masking is idempotent: masked text passes through unchanged.
"""

import re

_CN = "\u4e00-\u9fa5"
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[-－ ](\d{7,8})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
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


def mask_text(text: str, names: list[str] | None = None) -> str:
    out = _ID.sub(lambda m: _stars(len(m.group(1))), text)
    out = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _LANDLINE.sub(lambda m: f"{m.group(1)}-{_stars(len(m.group(2)))}", out)
    out = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", out)
    for name in sorted({n.strip() for n in names or [] if n and len(n.strip()) > 1}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    out = _TITLED.sub(lambda m: m.group(0)[: len(m.group(0)) - len(m.group(2))] + _stars(len(m.group(2))), out)
    out = _INTRODUCED.sub(lambda m: m.group(1) + m.group(2) + _stars(len(m.group(3))), out)
    out = _ADDRESS.sub(lambda m: m.group(1) + "***", out)
    return _BARE_ADDRESS.sub("***", out)

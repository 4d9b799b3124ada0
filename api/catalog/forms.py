"""Server-side validation of application form data against a service version's form definition."""

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from api.catalog.schemas import FieldType, FormField

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
DEFAULT_MAX = {FieldType.string: 200, FieldType.text: 5000}


def resident_id_ok(value: str) -> bool:
    """GB 11643: 18 characters, a real birth date, and the ISO 7064 MOD 11-2 check digit."""
    value = value.upper()
    if not RESIDENT_ID.match(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    return _CHECK[sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS, strict=True)) % 11] == value[17]


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, list) and not v)


def _clean(f: FormField, v: Any) -> Any:
    """The normalized value, or raise ValueError with the message shown to the user."""
    t = f.type
    if t in (FieldType.string, FieldType.text, FieldType.phone, FieldType.resident_id):
        if not isinstance(v, str):
            raise ValueError("应为文本")
        v = v.strip()
        if t == FieldType.phone:
            if not PHONE.match(v):
                raise ValueError("请输入有效的手机号或固定电话（如 010-12345678）")
            return v
        if t == FieldType.resident_id:
            if not resident_id_ok(v):
                raise ValueError("请输入有效的 18 位公民身份号码")
            return v.upper()
        limit = f.max_length or DEFAULT_MAX[t]
        if len(v) > limit:
            raise ValueError(f"不能超过 {limit} 个字")
        return v
    if t == FieldType.number:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError("应为数字")
        if f.min is not None and v < f.min:
            raise ValueError(f"不能小于 {f.min:g}")
        if f.max is not None and v > f.max:
            raise ValueError(f"不能大于 {f.max:g}")
        return v
    if t == FieldType.date:
        try:
            return date.fromisoformat(v).isoformat() if isinstance(v, str) and len(v) == 10 else _bad_date()
        except ValueError:
            raise ValueError("请输入有效日期（YYYY-MM-DD）") from None
    if t == FieldType.datetime:
        try:
            parsed = datetime.fromisoformat(v) if isinstance(v, str) else _bad_date()
        except ValueError:
            raise ValueError("请输入有效的日期时间") from None
        return parsed.isoformat()
    if t == FieldType.single_choice:
        if v not in (f.options or []):
            raise ValueError("请选择给定的选项之一")
        return v
    if t == FieldType.multiple_choice:
        if not isinstance(v, list) or any(x not in (f.options or []) for x in v):
            raise ValueError("请从给定选项中选择")
        if len(set(v)) != len(v):
            raise ValueError("选项不能重复")
        return v
    if t == FieldType.file:
        ids = [v] if isinstance(v, int) and not isinstance(v, bool) else v
        if not isinstance(ids, list) or any(isinstance(x, bool) or not isinstance(x, int) for x in ids):
            raise ValueError("应为已上传附件的编号列表")
        if len(ids) > (f.max_files or 5):
            raise ValueError(f"最多上传 {f.max_files or 5} 个文件")
        return sorted(set(ids))
    raise ValueError("未知的字段类型")


def _bad_date() -> Any:
    raise ValueError


def validate_form(fields: Sequence[FormField], data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(clean data, per-field errors); errors name each field as `data.<name>`."""
    errors: list[dict[str, Any]] = []
    known = {f.name for f in fields}
    for extra in sorted(set(data) - known):
        errors.append({"field": f"data.{extra}", "in": "body", "message": "表单中没有此字段", "type": "unknown_field"})
    clean: dict[str, Any] = {}
    for f in sorted(fields, key=lambda f: f.order):
        v = data.get(f.name)
        if _empty(v):
            if f.required:
                errors.append({"field": f"data.{f.name}", "in": "body", "message": f"{f.label}：此项为必填项",
                               "type": "missing"})
            continue
        try:
            clean[f.name] = _clean(f, v)
        except ValueError as exc:
            errors.append({"field": f"data.{f.name}", "in": "body", "message": f"{f.label}：{exc}",
                           "type": f.type.value})
    return clean, errors


def file_ids(fields: Sequence[FormField], clean: dict[str, Any]) -> dict[str, list[int]]:
    return {f.name: clean[f.name] for f in fields if f.type == FieldType.file and f.name in clean}

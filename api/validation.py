"""One validation layer for what every endpoint receives: ids, NUL characters and JSON nesting.

- `Id` is the type of every id a client sends (path, query, body), and of other positive keys such as a version
  number; `Int4` of any other integer that lands in an int4 column. Ids are `int4` columns on PostgreSQL and
  64-bit integers on SQLite; one range for both, the smaller one (1 … 2**31 - 1), so an out-of-range id is a
  422 on either database instead of a driver overflow (500) on one of them.
- A NUL character (U+0000) is refused in any text: PostgreSQL cannot store it in text columns and a file path
  cannot hold it. `RequestGuardMiddleware` (api/middleware.py) checks the decoded path, the query string and
  JSON and urlencoded bodies before routing, so no schema has to remember it.
- JSON nested deeper than `MAX_JSON_DEPTH` is refused before it is parsed: a value that deep is never data a
  form holds, and parsing, validating and storing it recurses once per level.
"""

import re
from typing import Annotated

from pydantic import Field

from api.errors import AppError

INT4_MAX = 2**31 - 1
MAX_JSON_DEPTH = 32

Id = Annotated[int, Field(ge=1, le=INT4_MAX, description="正整数编号（1 至 2147483647）")]
# Any other integer a client sends that is stored in an int4 column (sort orders).
Int4 = Annotated[int, Field(ge=-(2**31), le=INT4_MAX)]


class InvalidCharacter(AppError):
    status = 422
    code = "invalid_character"
    title = "提交的内容含有不允许的字符"

    def __init__(self, where: str) -> None:
        super().__init__("不能包含空字符（U+0000）",
                         errors=[{"field": "", "in": where, "message": "不能包含空字符（U+0000）",
                                  "type": "invalid_character"}])


class JsonTooDeep(AppError):
    status = 422
    code = "json_too_deep"
    title = "提交的 JSON 嵌套层数过多"

    def __init__(self) -> None:
        super().__init__(f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层",
                         errors=[{"field": "", "in": "body", "message": f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层",
                                  "type": "json_too_deep"}])


# An escaped NUL in a JSON string: \u0000 preceded by an even number of backslashes (\\u0000 is the text "\u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def check_url(path: str, query_string: bytes) -> None:
    if "\x00" in path:
        raise InvalidCharacter("path")
    if b"%00" in query_string or b"\x00" in query_string:
        raise InvalidCharacter("query")


def check_json(body: bytes) -> None:
    if b"\x00" in body or (b"\\u0000" in body and _JSON_NUL.search(body)):
        raise InvalidCharacter("body")
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub(b"", body)):
        if bracket in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeep()
        else:
            depth -= 1


def check_form(body: bytes) -> None:
    if b"%00" in body or b"\x00" in body:
        raise InvalidCharacter("form")


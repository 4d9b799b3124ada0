"""Solves the portal's captcha the way a person does: look at each drawn glyph's strokes.

The image holds no characters, only stroke paths; this reads each glyph's strokes back to their
seven-segment positions (the jitter is far smaller than the distance between two segments).
"""

import base64
import re

from api.captcha.service import GLYPHS, SEGMENTS

_BY_SEGMENTS = {frozenset(segs): ch for ch, segs in GLYPHS.items()}


def _segment(*stroke: float) -> str:
    """The segment whose end points lie nearest the stroke's."""
    return min(SEGMENTS, key=lambda n: sum((a - b) ** 2 for a, b in zip(SEGMENTS[n], stroke, strict=True)))


def read_text(image: str) -> str:
    svg = base64.b64decode(image.split(",", 1)[1]).decode()
    glyphs = re.findall(r'<path transform="translate\(([\d.]+) [\d.-]+\)[^"]*" d="([^"]+)"', svg)
    text = ""
    for _, d in sorted(glyphs, key=lambda g: float(g[0])):
        numbers = [float(v) for v in re.findall(r"-?[\d.]+", d)]
        segs = frozenset(_segment(*numbers[i:i + 4]) for i in range(0, len(numbers), 4))
        text += _BY_SEGMENTS[segs]
    return text


def solve_image(image: str) -> str:
    a, op, b = re.fullmatch(r"(\d+)([+-])(\d+)", read_text(image)).groups()
    return str(int(a) + int(b) if op == "+" else int(a) - int(b))


async def solved(client) -> dict[str, str]:
    body = (await client.get("/api/v1/captcha")).json()
    return {"captcha_id": body["captcha_id"], "captcha_answer": solve_image(body["image"])}

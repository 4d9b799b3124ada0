"""A self-contained arithmetic captcha drawn as SVG, answered once within a few minutes.

The digits are <text> elements with rotation and noise: enough to stop drive-by scripts at a
portal's letter box, not a defence against a determined bot (those are held back by the per-IP
rate limits). The answer is stored only as a salted hash and the challenge is consumed by the
first attempt, right or wrong (marked in the shared counter store, which a rollback does not undo).
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.captcha.models import CaptchaChallenge
from api.database import utcnow
from api.errors import AppError
from api.ratelimit import get_counter

TTL = timedelta(minutes=10)
_rand = secrets.SystemRandom()


class CaptchaInvalid(AppError):
    status = 422
    code = "captcha_invalid"
    title = "验证码错误或已过期，请重新获取"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, errors=[{"field": "captcha_answer", "in": "body",
                                          "message": detail or self.title, "type": "captcha"}])


@dataclass(frozen=True)
class Challenge:
    captcha_id: str
    image: str
    expires_in: int


def _hash(captcha_id: str, answer: str) -> str:
    return hashlib.sha256(f"{captcha_id}:{answer.strip()}".encode()).hexdigest()


def _question() -> tuple[str, str]:
    a, b = _rand.randint(2, 19), _rand.randint(1, 9)
    if _rand.random() < 0.5 and a > b:
        return f"{a}-{b}=?", str(a - b)
    return f"{a}+{b}=?", str(a + b)


def render_svg(text: str) -> str:
    width, height = 24 + 22 * len(text), 48
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#f4f6fa"/>']
    for _ in range(6):
        x1, y1, x2, y2 = (_rand.randint(0, width), _rand.randint(0, height),
                          _rand.randint(0, width), _rand.randint(0, height))
        color = f"#{_rand.randint(0x888888, 0xcccccc):06x}"
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="1"/>')
    for _ in range(25):
        parts.append(f'<circle cx="{_rand.randint(0, width)}" cy="{_rand.randint(0, height)}" r="1" fill="#999"/>')
    for i, ch in enumerate(text):
        x, y = 14 + 22 * i, 32 + _rand.randint(-5, 5)
        angle = _rand.randint(-25, 25)
        color = f"#{_rand.randint(0x102040, 0x405080):06x}"
        parts.append(f'<text x="{x}" y="{y}" transform="rotate({angle} {x} {y})" fill="{color}" '
                     f'font-family="monospace" font-size="{_rand.randint(22, 28)}" font-weight="bold">{ch}</text>')
    parts.append("</svg>")
    return "".join(parts)


async def create_challenge(session: AsyncSession) -> Challenge:
    now = utcnow()
    await session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    question, answer = _question()
    captcha_id = secrets.token_hex(16)
    session.add(CaptchaChallenge(id=captcha_id, answer_hash=_hash(captcha_id, answer), created_at=now,
                                 expires_at=now + TTL))
    await session.flush()
    svg = render_svg(question)
    image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return Challenge(captcha_id, image, int(TTL.total_seconds()))


async def verify(session: AsyncSession, captcha_id: str | None, answer: str | None) -> None:
    """Consume the challenge; raise CaptchaInvalid unless the answer matches and it has not expired."""
    if not captcha_id or not answer:
        raise CaptchaInvalid("请填写验证码")
    # Spent in the counter store, outside the request's transaction: a wrong answer rolls the request
    # back, but the challenge must stay used.
    attempts, _ = await get_counter().incr(f"captcha:spent:{captcha_id[:32]}", int(TTL.total_seconds()))
    if attempts > 1:
        raise CaptchaInvalid()
    row = (await session.execute(
        select(CaptchaChallenge).where(CaptchaChallenge.id == captcha_id[:32]).with_for_update()
    )).scalar_one_or_none()
    if row is None:
        raise CaptchaInvalid()
    await session.delete(row)
    await session.flush()
    if row.expires_at < utcnow() or not secrets.compare_digest(row.answer_hash, _hash(captcha_id, answer)):
        raise CaptchaInvalid()

"""A self-contained arithmetic captcha drawn as SVG, answered once within a few minutes.

The characters are drawn as stroke paths (seven-segment glyphs, each stroke nudged at random, each
glyph rotated), never as <text>: the page source holds no characters to copy, so a script must
recognise the drawing. Enough to stop drive-by scripts at a portal's letter box, not a defence against
a determined bot (those are held back by the per-IP rate limits). The answer is stored only as a
salted hash and the challenge is consumed by the first attempt, right or wrong (marked in the shared
counter store, which a rollback does not undo).
"""

import array
import base64
import functools
import hashlib
import io
import secrets
import sys
import wave
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.captcha.models import CaptchaChallenge
from api.database import utcnow
from api.errors import AppError, NotFound
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
        return f"{a}-{b}", str(a - b)
    return f"{a}+{b}", str(a + b)


# Seven-segment strokes in a 14×24 glyph box: (x1, y1, x2, y2). "v" is the plus sign's upright.
SEGMENTS: dict[str, tuple[int, int, int, int]] = {
    "a": (2, 2, 12, 2), "b": (12, 2, 12, 12), "c": (12, 12, 12, 22), "d": (2, 22, 12, 22),
    "e": (2, 12, 2, 22), "f": (2, 2, 2, 12), "g": (2, 12, 12, 12), "v": (7, 7, 7, 17),
}
GLYPHS: dict[str, str] = {
    "0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
    "7": "abc", "8": "abcdefg", "9": "abcdfg", "+": "gv", "-": "g",
}
_JITTER = 1.4


def _stroke(x1: int, y1: int, x2: int, y2: int) -> str:
    def j(v: int) -> str:
        return f"{v + _rand.uniform(-_JITTER, _JITTER):.1f}"
    return f"M{j(x1)} {j(y1)}L{j(x2)} {j(y2)}"


def render_svg(text: str) -> str:
    """Draw ``text`` (digits, + and -) as jittered, rotated stroke glyphs over line and dot noise."""
    width, height = 24 + 24 * len(text), 48
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#f4f6fa"/>']
    for _ in range(6):
        x1, y1, x2, y2 = (_rand.randint(0, width), _rand.randint(0, height),
                          _rand.randint(0, width), _rand.randint(0, height))
        color = f"#{_rand.randint(0x888888, 0xcccccc):06x}"
        parts.append(f'<path d="M{x1} {y1}L{x2} {y2}" stroke="{color}" stroke-width="1"/>')
    for _ in range(25):
        parts.append(f'<circle cx="{_rand.randint(0, width)}" cy="{_rand.randint(0, height)}" r="1" fill="#999"/>')
    for i, ch in enumerate(text):
        x, y = 12 + 24 * i, 12 + _rand.randint(-4, 4)
        angle = _rand.randint(-18, 18)
        color = f"#{_rand.randint(0x102040, 0x405080):06x}"
        strokes = "".join(_stroke(*SEGMENTS[seg]) for seg in GLYPHS[ch])
        parts.append(f'<path transform="translate({x} {y}) rotate({angle} 7 12)" d="{strokes}" fill="none" '
                     f'stroke="{color}" stroke-width="{_rand.choice((2.4, 2.8, 3.2))}" stroke-linecap="round"/>')
    parts.append("</svg>")
    return "".join(parts)


async def create_challenge(session: AsyncSession) -> Challenge:
    now = utcnow()
    await session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    question, answer = _question()
    captcha_id = secrets.token_hex(16)
    session.add(CaptchaChallenge(id=captcha_id, answer_hash=_hash(captcha_id, answer), question=question,
                                 created_at=now, expires_at=now + TTL))
    await session.flush()
    svg = render_svg(question)
    image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return Challenge(captcha_id, image, int(TTL.total_seconds()))


# The audio alternative (GB/T 37668 / WCAG 1.1.1): the same question spoken in Mandarin from clips that
# espeak-ng recorded once (api/captcha/make_clips.py), joined with random pauses, loudness and background
# noise, so every request for the same challenge gives different samples and no text of the answer is sent.
CLIPS = Path(__file__).with_name("clips")
AUDIO_RATE = 11025
AUDIO_PLAYS = 5


@functools.cache
def _clip(name: str) -> array.array:
    with wave.open(str(CLIPS / f"{name}.wav")) as w:
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _number_words(n: int) -> list[str]:
    """十二 is 十 then 二; 10 is 十 alone (the question's numbers stay below 20)."""
    if n < 10:
        return [str(n)]
    return ["10"] + ([str(n - 10)] if n > 10 else [])


def spoken_words(question: str) -> list[str]:
    op = "+" if "+" in question else "-"
    a, b = question.split(op)
    return [*_number_words(int(a)), "plus" if op == "+" else "minus", *_number_words(int(b)), "question"]


def render_wav(question: str) -> bytes:
    """The question as one mono 16-bit WAV, with a fresh draw of pauses, gain and noise on each call."""
    out = array.array("h")
    noise = _rand.randint(300, 900)

    def pause(low: float, high: float) -> None:
        out.extend([0] * int(AUDIO_RATE * _rand.uniform(low, high)))

    pause(0.2, 0.6)
    for word in spoken_words(question):
        gain = _rand.uniform(0.5, 0.95)  # the loudest clip stays below full scale with the noise on top
        out.extend(int(v * gain) for v in _clip(word))
        pause(0.12, 0.45)
    pause(0.1, 0.4)
    jitter = array.array("h", secrets.token_bytes(2 * len(out)))
    for i, v in enumerate(out):
        out[i] = v + jitter[i] * noise // 32768
    if sys.byteorder == "big":
        out.byteswap()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(AUDIO_RATE)
        w.writeframes(out.tobytes())
    return buf.getvalue()


async def challenge_audio(session: AsyncSession, captcha_id: str) -> bytes:
    """The spoken question of a live, unanswered challenge (404 once answered, expired or played too often)."""
    plays, _ = await get_counter().incr(f"captcha:audio:{captcha_id[:32]}", int(TTL.total_seconds()))
    spent, _ = await get_counter().get(f"captcha:spent:{captcha_id[:32]}")
    row = await session.get(CaptchaChallenge, captcha_id[:32])
    if row is None or row.question is None or row.expires_at < utcnow() or spent or plays > AUDIO_PLAYS:
        raise NotFound("验证码已失效，请换一个")
    return render_wav(row.question)


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

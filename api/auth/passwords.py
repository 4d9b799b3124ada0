"""argon2id hashing and the password policy.

Hashing and verifying take a few hundred milliseconds of CPU each: they run in a worker thread (argon2-cffi
releases the GIL), never on the event loop, so one client's logins do not stall every other request.
"""

import asyncio
import re
from collections import deque
from collections.abc import Callable
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from api.config import get_settings

PROFILES = {"rfc9106_low_memory": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the configured profile (PORTAL_PASSWORD_HASH_PROFILE; RFC 9106 low-memory by default)."""
    return PasswordHasher.from_parameters(PROFILES[get_settings().password_hash_profile])


@cache
def _dummy_hash() -> str:
    """Verified when the user does not exist, so an unknown name costs the same time as a wrong password."""
    return _hasher().hash("not-a-real-password-0")


MIN_LENGTH = 8
MAX_LENGTH = 128
# zxcvbn's score: 3 means about 10^8 guesses or more ("safely unguessable" for an online attacker who is
# throttled; offline, argon2id makes each guess expensive).
MIN_STRENGTH = 3

# What people here put in passwords and zxcvbn's English lists miss: the site and agency in pinyin, words of
# the trade, and the Chinese favourites (我爱你 woaini, 1314 一生一世, 520 我爱你, surnames, cities).
CHINESE_CONTEXT = (
    "jiguanshiwuguanliju", "jiguanshiwu", "jiguan", "shiwu", "guanliju", "zhengwu", "zhengwumenhu", "menhu",
    "zhengfu", "gov", "govcn", "portal", "xinfang", "banshi", "gongkai", "mima", "yonghu", "guanliyuan",
    "anquan", "shenji", "admin", "woaini", "woaini1314", "woaini520", "aini", "1314", "520", "5201314",
    "1314520", "woshishui", "nihao", "zhongguo", "china", "beijing", "shanghai", "guangzhou", "shenzhen",
    "123456", "1234567", "12345678", "123456789", "a123456", "a12345678", "abc123", "abc123456", "qwerty",
    "qwe123", "1qaz2wsx", "asdfgh", "zxcvbnm", "888888", "666666", "112233", "147258369", "159357",
    "qq123456", "iloveyou", "wang", "zhang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu",
    "xiaoming", "laoshi", "baobao", "tiantian", "kuaile", "xingfu",
)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


def hash_password_blocking(password: str) -> str:
    """For command-line tools and demo seeding only; request handlers use `hash_password`."""
    return _hasher().hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def policy_problems(password: str, username: str | None = None, extra_inputs: tuple[str, ...] = ()) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码不能超过 {MAX_LENGTH} 位")
        return problems
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    if not problems and strength(password, username, extra_inputs) < MIN_STRENGTH:
        problems.append("密码太常见或太容易猜到，请避免使用拼音词、姓名、年份、键盘序列和常见密码")
    return problems


def strength(password: str, username: str | None = None, extra_inputs: tuple[str, ...] = ()) -> int:
    """zxcvbn's 0-4 score, with the Chinese context and the account's own words as a dictionary."""
    inputs = [*CHINESE_CONTEXT, *(w.lower() for w in extra_inputs if w)]
    if username:
        inputs.append(username.lower())
    return int(zxcvbn(password[:MAX_LENGTH], user_inputs=inputs)["score"])


class PrehashedSecrets:
    """Random one-time codes (a complaint's 查询码) with their argon2 hashes, made ahead in a worker thread.

    A request takes a ready pair, so the slow hash happens before its write transaction begins (on SQLite a
    writer holds the database lock from its first statement: hashing inside it queued every other writer and a
    soak ended in "database is locked"). Taking one starts refilling in the background; only a burst larger than
    the stock hashes inline, still off the event loop. Only takes trigger work: a flood of rejected requests
    (bad captcha, rate-limited) costs nothing."""

    def __init__(self, make: Callable[[], str], stock: int = 4) -> None:
        self._make = make
        self._stock = stock
        self._ready: deque[tuple[str, str]] = deque()
        self._refill: asyncio.Task[None] | None = None

    async def take(self) -> tuple[str, str]:
        """A fresh (code, hash) pair; never the same code twice."""
        pair = self._ready.popleft() if self._ready else None
        self._start_refill()
        if pair is not None:
            return pair
        code = self._make()
        return code, await hash_password(code)

    async def filled(self) -> None:
        """Wait until the stock is full (start-up warm-up, tests)."""
        self._start_refill()
        if self._refill is not None:
            await asyncio.shield(self._refill)

    def _start_refill(self) -> None:
        loop = asyncio.get_running_loop()
        if self._refill is not None and not self._refill.done() and self._refill.get_loop() is loop:
            return
        self._refill = loop.create_task(self._fill())

    async def _fill(self) -> None:
        while len(self._ready) < self._stock:
            code = self._make()
            self._ready.append((code, await hash_password(code)))

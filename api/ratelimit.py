"""Fixed-window counters: Redis when PORTAL_REDIS_URL is set (shared by all workers), else in-process."""

import time
from typing import Protocol


class Counter(Protocol):
    async def incr(self, key: str, window: int) -> tuple[int, int]: ...
    async def get(self, key: str) -> tuple[int, int]: ...
    async def delete(self, key: str) -> None: ...
    async def set_flag(self, key: str, ttl: int) -> None: ...


class MemoryCounter:
    def __init__(self) -> None:
        self._data: dict[str, tuple[int, float]] = {}

    def _live(self, key: str) -> tuple[int, float] | None:
        item = self._data.get(key)
        if item and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    async def incr(self, key: str, window: int) -> tuple[int, int]:
        item = self._live(key)
        count, expires = (item[0] + 1, item[1]) if item else (1, time.monotonic() + window)
        self._data[key] = (count, expires)
        if len(self._data) > 100_000:
            for k in [k for k, (_, e) in self._data.items() if e <= time.monotonic()]:
                del self._data[k]
        return count, max(1, int(expires - time.monotonic() + 0.999))

    async def get(self, key: str) -> tuple[int, int]:
        item = self._live(key)
        if not item:
            return 0, 0
        return item[0], max(1, int(item[1] - time.monotonic() + 0.999))

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def set_flag(self, key: str, ttl: int) -> None:
        self._data[key] = (1, time.monotonic() + ttl)


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._r = redis.from_url(url)

    async def incr(self, key: str, window: int) -> tuple[int, int]:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            pipe.ttl(key)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def get(self, key: str) -> tuple[int, int]:
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            val, ttl = await pipe.execute()
        return (int(val), max(1, int(ttl))) if val is not None else (0, 0)

    async def delete(self, key: str) -> None:
        await self._r.delete(key)

    async def set_flag(self, key: str, ttl: int) -> None:
        await self._r.set(key, 1, ex=ttl)


_counter: Counter | None = None


def get_counter() -> Counter:
    global _counter
    if _counter is None:
        from api.config import get_settings

        url = get_settings().redis_url
        _counter = RedisCounter(url) if url else MemoryCounter()
    return _counter


def reset_counter(counter: Counter | None = None) -> None:
    global _counter
    _counter = counter

"""The store itself: bounded by bytes, least recently used out first, bytes only."""

from api.publiccache.middleware import Entry, ResponseCache


def _entry(n: int) -> Entry:
    return Entry(stamp=1, at=None, headers=[], body=b"x" * n, etag='"e"', last_modified=None, hit_arg=None,
                 expires=1e18, size=n)


def test_the_cache_never_holds_more_bytes_than_its_bound() -> None:
    cache = ResponseCache(max_bytes=1000, max_entry=600)
    for i in range(10):
        cache.put(("k", i), _entry(300))
        assert cache.size <= 1000
    assert len(cache) == 3
    assert cache.get(("k", 0)) is None and cache.get(("k", 9)) is not None


def test_the_least_recently_used_goes_first() -> None:
    cache = ResponseCache(max_bytes=900, max_entry=600)
    for i in range(3):
        cache.put(i, _entry(300))  # type: ignore[arg-type]
    assert cache.get(0) is not None  # type: ignore[arg-type]
    cache.put(3, _entry(300))  # type: ignore[arg-type]
    assert cache.get(1) is None and cache.get(0) is not None  # type: ignore[arg-type]


def test_an_entry_over_the_limit_is_not_kept() -> None:
    cache = ResponseCache(max_bytes=1000, max_entry=100)
    cache.put("big", _entry(200))  # type: ignore[arg-type]
    assert len(cache) == 0 and cache.size == 0

from __future__ import annotations

import pytest

from hailong.ratelimit import MemoryRateLimiter, RedisRateLimiter, make_rate_limiter


class TestRateLimit:
    def test_memory_allows_up_to_the_limit(self) -> None:
        limiter = MemoryRateLimiter()
        results = [limiter.hit("ip", limit=3, window_seconds=60) for _ in range(5)]
        assert results == [True, True, True, False, False]

    def test_redis_counts_across_limiters(self, redis_url: str, redis_prefix: str) -> None:
        # Two app processes share one Redis: their hits add up.
        first = make_rate_limiter(redis_url, redis_prefix)
        second = make_rate_limiter(redis_url, redis_prefix)
        assert isinstance(first, RedisRateLimiter)
        assert first.hit("ip", limit=2, window_seconds=60)
        assert second.hit("ip", limit=2, window_seconds=60)
        assert not first.hit("ip", limit=2, window_seconds=60)

    def test_redis_down_falls_back_to_memory(self) -> None:
        # Nothing listens on port 1: the limiter must still answer, never raise.
        limiter = make_rate_limiter("redis://127.0.0.1:1/0", "x:")
        assert limiter.hit("ip", limit=1, window_seconds=60)
        assert not limiter.hit("ip", limit=1, window_seconds=60)


@pytest.mark.parametrize("limit", [1, 10])
def test_each_key_has_its_own_window(limit: int) -> None:
    limiter = MemoryRateLimiter()
    for _ in range(limit):
        assert limiter.hit("a", limit=limit, window_seconds=60)
    assert limiter.hit("b", limit=limit, window_seconds=60)
    assert not limiter.hit("a", limit=limit, window_seconds=60)

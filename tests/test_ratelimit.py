"""The rate limiter: counts per key and window, shared through Redis by every app process,
failing open to this process's windows when Redis is down, and keeping no key in clear."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import redis

from hailong.ratelimit import REDIS_TIMEOUT_SECONDS, RateLimiter, make_rate_limiter
from tests.conftest import TEST_SECRET

ADDRESS = "203.0.113.77"


def hits(limiter: RateLimiter, key: str, times: int, **window: int) -> list[bool]:
    return [limiter.hit(key, limit=3, window_seconds=60, **window) for _ in range(times)]


class TestInProcess:
    def test_allows_up_to_the_limit(self) -> None:
        limiter = make_rate_limiter(None, "x:", secret=TEST_SECRET)
        assert hits(limiter, ADDRESS, 5) == [True, True, True, False, False]

    @pytest.mark.parametrize("limit", [1, 10])
    def test_each_key_has_its_own_window(self, limit: int) -> None:
        limiter = make_rate_limiter(None, "x:", secret=TEST_SECRET)
        for _ in range(limit):
            assert limiter.hit("a", limit=limit, window_seconds=60)
        assert limiter.hit("b", limit=limit, window_seconds=60)
        assert not limiter.hit("a", limit=limit, window_seconds=60)

    @pytest.mark.parametrize("moving", [False, True], ids=["fixed", "moving"])
    def test_test_counts_nothing_and_clear_forgets(self, moving: bool) -> None:
        # A login's failures: count them, refuse while over the limit, forget on success.
        limiter = make_rate_limiter(None, "x:", secret=TEST_SECRET)
        window = {"limit": 2, "window_seconds": 60, "moving": moving}
        assert limiter.test("login", **window)
        assert limiter.test("login", **window)
        assert limiter.hit("login", **window) and limiter.hit("login", **window)
        assert not limiter.test("login", **window)
        limiter.clear("login", **window)
        assert limiter.test("login", **window)

    def test_a_moving_window_frees_one_event_at_a_time(self) -> None:
        limiter = make_rate_limiter(None, "x:", secret=TEST_SECRET)
        assert limiter.hit("k", limit=2, window_seconds=1, moving=True)
        time.sleep(0.6)
        assert limiter.hit("k", limit=2, window_seconds=1, moving=True)
        assert not limiter.hit("k", limit=2, window_seconds=1, moving=True)
        time.sleep(0.5)  # the first event is older than a second now, the second is not
        assert limiter.hit("k", limit=2, window_seconds=1, moving=True)
        assert not limiter.hit("k", limit=2, window_seconds=1, moving=True)


class TestRedis:
    def test_two_processes_add_up(self, redis_url: str, redis_prefix: str) -> None:
        first = make_rate_limiter(redis_url, redis_prefix, secret=TEST_SECRET)
        second = make_rate_limiter(redis_url, redis_prefix, secret=TEST_SECRET)
        assert first.hit(ADDRESS, limit=2, window_seconds=60)
        assert second.hit(ADDRESS, limit=2, window_seconds=60)
        assert not first.hit(ADDRESS, limit=2, window_seconds=60)
        assert not second.test(ADDRESS, limit=2, window_seconds=60)
        second.clear(ADDRESS, limit=2, window_seconds=60)
        assert first.hit(ADDRESS, limit=2, window_seconds=60)

    @pytest.mark.parametrize("moving", [False, True], ids=["fixed", "moving"])
    def test_no_key_holds_the_address_in_clear(
        self, redis_url: str, redis_prefix: str, moving: bool
    ) -> None:
        limiter = make_rate_limiter(redis_url, redis_prefix, secret=TEST_SECRET)
        limiter.hit(f"web-start:{ADDRESS}:17", limit=5, window_seconds=60, moving=moving)
        client = redis.Redis.from_url(redis_url)
        stored = [key.decode() for key in client.scan_iter(f"{redis_prefix}*")]
        client.close()
        assert stored
        assert not any(ADDRESS in key or "203.0.113" in key for key in stored)

    def test_another_secret_counts_apart(self, redis_url: str, redis_prefix: str) -> None:
        ours = make_rate_limiter(redis_url, redis_prefix, secret=TEST_SECRET)
        theirs = make_rate_limiter(redis_url, redis_prefix, secret="another deployment")
        assert ours.hit(ADDRESS, limit=1, window_seconds=60)
        assert theirs.hit(ADDRESS, limit=1, window_seconds=60)


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A Redis that accepts connections and never answers (a paused server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


class TestRedisDown:
    def test_refused_fails_open_to_this_process(self) -> None:
        # Nothing listens on port 1: the limiter must still answer, never raise.
        limiter = make_rate_limiter("redis://127.0.0.1:1/0", "x:", secret=TEST_SECRET)
        assert hits(limiter, ADDRESS, 4) == [True, True, True, False]

    def test_hung_costs_one_timeout_then_none_for_a_while(self, hung_redis: str) -> None:
        limiter = make_rate_limiter(hung_redis, "x:", secret=TEST_SECRET)
        started = time.monotonic()
        assert limiter.hit(ADDRESS, limit=3, window_seconds=60)
        assert time.monotonic() - started >= REDIS_TIMEOUT_SECONDS
        started = time.monotonic()
        assert hits(limiter, ADDRESS, 3) == [True, True, False]
        assert time.monotonic() - started < REDIS_TIMEOUT_SECONDS / 2

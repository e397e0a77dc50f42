"""Fixed-window rate limits: in Redis when configured (shared by every app process), else in
process. Redis is an accelerator: if it is down, the in-process window takes over and the
survey goes on."""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import redis

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: int) -> bool:
        """Count one event; False when `key` has had more than `limit` in this window."""
        ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, *, limit: int, window_seconds: int) -> bool:
        window = int(time.time()) // window_seconds
        with self._lock:
            if len(self._windows) > 100_000:
                # Old windows are worthless; drop them rather than grow without bound.
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            started, count = self._windows.get(key, (window, 0))
            count = count + 1 if started == window else 1
            self._windows[key] = (window, count)
        return count <= limit


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._fallback = MemoryRateLimiter()

    def hit(self, key: str, *, limit: int, window_seconds: int) -> bool:
        window = int(time.time()) // window_seconds
        name = f"{self._prefix}rl:{key}:{window}"
        try:
            pipe = self._client.pipeline()
            pipe.incr(name)
            pipe.expire(name, window_seconds + 5)
            count = int(pipe.execute()[0])
        except redis.RedisError:
            log.warning("Redis unavailable for rate limiting; using the in-process window")
            return self._fallback.hit(key, limit=limit, window_seconds=window_seconds)
        return count <= limit


def make_rate_limiter(redis_url: str | None, prefix: str) -> RateLimiter:
    if not redis_url:
        return MemoryRateLimiter()
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return RedisRateLimiter(client, prefix)

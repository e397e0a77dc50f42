"""Rate limits on the `limits` library: in Redis when configured (shared by every app process),
else in process.

Redis is an accelerator: when it is down the limiter fails open to a window of this process
(the survey goes on; each process still limits what it sees) and asks Redis again a few seconds
later, so a hung Redis costs one timeout now and then, not one per request.

Keys are stored as a keyed hash (HMAC with the server secret): a key may hold a client's
address or a respondent's hash, and Redis keeps neither in clear.

Three questions cover the uses so far:
- `hit` counts an event and says whether it is still within the limit (starts per hour);
- `test` asks without counting (is this address locked out after too many misses?);
- `clear` forgets a key (a login that succeeds clears its failures).
A fixed window is cheap and was the behaviour before; `moving=True` counts the last
`window_seconds` exactly, so a lock-out lasts a full window after the last failure.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.strategies import RateLimiter as Strategy

log = logging.getLogger(__name__)

# After Redis fails, this process uses its own windows for this long before asking Redis again.
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.5
T = TypeVar("T")


class _Strategies:
    """The two window strategies over one storage."""

    def __init__(self, storage: Storage) -> None:
        self.fixed = FixedWindowRateLimiter(storage)
        self.moving = MovingWindowRateLimiter(storage)

    def pick(self, moving: bool) -> Strategy:
        return self.moving if moving else self.fixed


class RateLimiter:
    """Counts events per key within a window of `window_seconds`."""

    def __init__(self, shared: Storage | None, *, secret: str | None) -> None:
        self._shared = _Strategies(shared) if shared is not None else None
        self._local = _Strategies(MemoryStorage())
        self._secret = (secret or "").encode()
        self._lock = threading.Lock()
        self._shared_again_at = 0.0

    @property
    def waits_on_network(self) -> bool:
        """Whether a question may wait on Redis (ask it off the event loop) or is answered
        in this process's memory at once."""
        return self._shared is not None

    def hit(self, key: str, *, limit: int, window_seconds: int, moving: bool = False) -> bool:
        """Count one event; False when `key` has had more than `limit` in this window."""
        item = _item(limit, window_seconds)
        return self._ask(moving, lambda strategy: strategy.hit(item, self._stored(key)))

    def test(self, key: str, *, limit: int, window_seconds: int, moving: bool = False) -> bool:
        """Would one more event be within the limit? Counts nothing."""
        item = _item(limit, window_seconds)
        return self._ask(moving, lambda strategy: strategy.test(item, self._stored(key)))

    def clear(self, key: str, *, limit: int, window_seconds: int, moving: bool = False) -> None:
        """Forget what `key` has had in this window (everywhere: Redis and this process)."""
        item = _item(limit, window_seconds)
        self._ask(moving, lambda strategy: strategy.clear(item, self._stored(key)))
        self._local.pick(moving).clear(item, self._stored(key))

    def _stored(self, key: str) -> str:
        # Keyed, so an address cannot be found again by hashing every address there is.
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]

    def _ask(self, moving: bool, question: Callable[[Strategy], T]) -> T:
        if self._shared is not None and time.monotonic() >= self._shared_again_at:
            try:
                return question(self._shared.pick(moving))
            except StorageError as error:
                with self._lock:
                    self._shared_again_at = time.monotonic() + REDIS_RETRY_SECONDS
                log.warning("Redis unavailable for rate limits (%s); using this process's", error)
        return question(self._local.pick(moving))


def _item(limit: int, window_seconds: int) -> RateLimitItem:
    return RateLimitItemPerSecond(limit, window_seconds, namespace="hailong")


def make_rate_limiter(
    redis_url: str | None, prefix: str, *, secret: str | None = None
) -> RateLimiter:
    """Redis-backed when `redis_url` is set, in process otherwise.

    Pass the server secret whenever a key can hold a client's address: without it, keys are
    hashed with no key, which hides them from a glance but not from a search.
    """
    if not redis_url:
        return RateLimiter(None, secret=secret)
    storage = RedisStorage(
        redis_url,
        key_prefix=f"{prefix}rl",
        wrap_exceptions=True,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return RateLimiter(storage, secret=secret)

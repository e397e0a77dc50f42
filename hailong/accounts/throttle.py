"""Failed sign-ins slow down and then lock, per account and per network address.

Counted with the `limits` library: in Redis when HAILONG_REDIS_URL is set (so every app
process sees the same counts), in process memory otherwise. If Redis stops answering, the
counting goes on in process memory rather than refusing everyone: sign-in stays possible,
with a per-process lock only, until Redis is back.

    throttle = LoginThrottle(limits_storage(url, prefix), ThrottlePolicy())
    locked = throttle.locked_for(username=u, address=a)   # seconds, 0 if free to try
    verdict = throttle.failed(username=u, address=a)      # after a wrong password
    throttle.succeeded(username=u, address=a)             # after the right one
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")


def limits_storage(redis_url: str | None, prefix: str) -> Storage:
    """Where `limits` counts: Redis (keys under our prefix) or process memory.

    Meant to become the one storage factory of every rate limit of the app.
    """
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(
        redis_url,
        key_prefix=f"{prefix}limits",
        wrap_exceptions=True,
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
    )


@dataclass(frozen=True)
class ThrottlePolicy:
    # Failures in a row that lock an account.
    account_failures: int = 10
    # A ward office's PCs often share one public address: lock it only far later.
    address_failures: int = 50
    lock_seconds: int = 900
    # Failures are "in a row" while no more than this passes since the first of them.
    count_seconds: int = 3600
    # From the failure after `slowdown_after` on, the answer waits this long, doubling each
    # time up to 4 times as long.
    slowdown_seconds: float = 1.0
    slowdown_after: int = 3


@dataclass(frozen=True)
class Verdict:
    """What a failed attempt leads to: a wait before answering, and maybe a lock."""

    delay: float
    locked_for: int


class LoginThrottle:
    def __init__(self, storage: Storage, policy: ThrottlePolicy) -> None:
        self.policy = policy
        self._limiter = FixedWindowRateLimiter(storage)
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        self._warned_at = 0.0
        counted = policy.count_seconds
        self._failures = {
            "account": RateLimitItemPerSecond(policy.account_failures, counted, "login-failures"),
            "address": RateLimitItemPerSecond(policy.address_failures, counted, "login-failures"),
        }
        # One hit opens the lock's window: it lasts lock_seconds from the failure that set it.
        self._lock = RateLimitItemPerSecond(1, policy.lock_seconds, "login-lock")

    def locked_for(self, *, username: str, address: str) -> int:
        """Seconds until the account or the address may try again; 0 when it may now."""
        return max(self._lock_left(key) for key in self._keys(username, address).values())

    def failed(self, *, username: str, address: str) -> Verdict:
        """Count a wrong password; lock what reached its limit."""
        keys = self._keys(username, address)
        for kind, key in keys.items():
            self._count_failure(self._failures[kind], key)
        failures = self._count(self._failures["account"], keys["account"])
        locked = self.locked_for(username=username, address=address)
        return Verdict(delay=0.0 if locked else self._delay(failures), locked_for=locked)

    def succeeded(self, *, username: str, address: str) -> None:
        """The right password: the account's count starts again (the address's does not, or
        one valid account would let its owner guess others' passwords without end)."""
        key = self._keys(username, address)["account"]
        self._safely(lambda limiter: limiter.clear(self._failures["account"], key))

    def _count_failure(self, item: RateLimitItem, key: str) -> None:
        self._safely(lambda limiter: limiter.hit(item, key))
        if not self._safely(lambda limiter: limiter.test(item, key)):
            # The limit is reached: lock from now, and count afresh once the lock ends.
            self._safely(lambda limiter: limiter.hit(self._lock, key))
            self._safely(lambda limiter: limiter.clear(item, key))

    def _delay(self, failures: int) -> float:
        beyond = failures - self.policy.slowdown_after
        if beyond <= 0:
            return 0.0
        return self.policy.slowdown_seconds * min(2 ** (beyond - 1), 4)

    def _count(self, item: RateLimitItem, key: str) -> int:
        stats = self._safely(lambda limiter: limiter.get_window_stats(item, key))
        return item.amount - stats.remaining

    def _lock_left(self, key: str) -> int:
        if self._safely(lambda limiter: limiter.test(self._lock, key)):
            return 0
        stats = self._safely(lambda limiter: limiter.get_window_stats(self._lock, key))
        return max(1, math.ceil(stats.reset_time - time.time()))

    @staticmethod
    def _keys(username: str, address: str) -> dict[str, str]:
        # Hashed: a password typed into the username field must not land in Redis.
        name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:24]
        return {"account": f"account:{name}", "address": f"address:{address}"}

    def _safely(self, call: Callable[[FixedWindowRateLimiter], T]) -> T:
        try:
            return call(self._limiter)
        except StorageError:
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning("Redis unavailable for sign-in limits; counting in this process")
            return call(self._fallback)

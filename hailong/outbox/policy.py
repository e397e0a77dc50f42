"""When to try a message again: exponential backoff with jitter, up to a number of attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hailong.settings import Settings


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_delay: float
    max_delay: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.outbox_max_attempts,
            first_delay=settings.outbox_backoff_seconds,
            max_delay=settings.outbox_backoff_max_seconds,
        )

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts

    def delay(
        self, attempt: int, *, after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1, 2, ...).

        The ceiling doubles with each attempt up to max_delay; the wait is drawn between half
        the ceiling and the ceiling ("equal jitter"), so messages that failed together (a
        provider's outage) do not all come back at the same moment, yet none comes back at
        once. A provider's own Retry-After is a floor.
        """
        exponent = min(max(attempt - 1, 0), 62)
        ceiling = min(self.max_delay, self.first_delay * 2.0**exponent)
        jittered = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
        return max(jittered, after or 0.0)

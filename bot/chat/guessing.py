"""A limit on guessing counter codes in a chat: a chat user who keeps typing codes that do not
exist is asked to wait, whatever code comes next.

The web's limit (hailong.web.guessing) counts by network address; a chat has none, so this
counts by the chat user's keyed hash. With 10,000 live counters a random code finds one about
every 73,000 guesses: MISSES per window makes that months for one chat account. Citizens
rarely mistype a code more than a few times.
"""

from __future__ import annotations

from dataclasses import dataclass

from hailong.ratelimit import RateLimiter

MISSES = 10
WINDOW_SECONDS = 600


@dataclass(frozen=True)
class CodeGuesses:
    limiter: RateLimiter
    key: str

    @classmethod
    def of(cls, limiter: RateLimiter, *, channel: str, ref: str) -> CodeGuesses:
        return cls(limiter, f"chat-miss:{channel}:{ref}")

    def locked(self) -> bool:
        return not self.limiter.test(
            self.key, limit=MISSES, window_seconds=WINDOW_SECONDS, moving=True
        )

    def miss(self) -> None:
        self.limiter.hit(self.key, limit=MISSES, window_seconds=WINDOW_SECONDS, moving=True)

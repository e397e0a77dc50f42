"""A limit on guessing: an address that keeps asking for counters that do not exist is told to
wait, whatever it asks next.

With 10,000 live counters a random short code finds one about every 73,000 guesses; unlimited,
one process guessed 84 a second. Every answer of 404 or 410 to a path that carries a secret
(hailong.web.redaction.SECRET_SEGMENTS: /q/<token>, /c/<code>, ...) is a miss for the client's
address; past MISSES in MISS_WINDOW_SECONDS, every such path answers 429 before it looks
anything up, so a locked-out guesser learns nothing, not even from a hit. Citizens rarely miss
(an old poster answers 410): the limit is generous, because a ward hall's visitors often share
one address. The window moves: the address may ask again once its oldest counted miss is
MISS_WINDOW_SECONDS old.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hailong.ratelimit import RateLimiter
from hailong.web.redaction import carries_secret

MISSES = 30
MISS_WINDOW_SECONDS = 600
MISS_STATUSES = frozenset({404, 410})
Refusal = Callable[[Request], Response]
T = TypeVar("T")


def client_address(scope: Scope) -> str:
    """The client's address as the server knows it (the proxy's X-Forwarded-For, when the
    proxy is trusted: see `hailong serve`)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class GuessingLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter, refuse: Refusal) -> None:
        self.app = app
        self.limiter = limiter
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not carries_secret(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = f"miss:{client_address(scope)}"
        if not await self._off_the_loop(self._within, key):
            await self.refuse(Request(scope, receive))(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            # Counted before the answer leaves: the guesser's next request, to this process
            # or another, already finds this miss.
            if message["type"] == "http.response.start" and message["status"] in MISS_STATUSES:
                await self._off_the_loop(self._miss, key)
            await send(message)

        await self.app(scope, receive, counting_send)

    async def _off_the_loop(self, question: Callable[[str], T], key: str) -> T:
        # Redis is a round trip: a worker thread waits for it. This process's own windows
        # answer at once, cheaper than the hop to a thread.
        if self.limiter.waits_on_network:
            return await run_in_threadpool(question, key)
        return question(key)

    def _within(self, key: str) -> bool:
        return self.limiter.test(key, limit=MISSES, window_seconds=MISS_WINDOW_SECONDS, moving=True)

    def _miss(self, key: str) -> None:
        self.limiter.hit(key, limit=MISSES, window_seconds=MISS_WINDOW_SECONDS, moving=True)

"""A fake receiver for the outbox's `relay` channel: a real HTTP server on 127.0.0.1, in a thread
of the test process, reached by the real sender over real HTTP (httpx).

It behaves like a provider that deduplicates on the Idempotency-Key header: a message is
delivered when it is answered 200, and a second request with a key already delivered is
answered 200 without delivering again (counted in `duplicates`). Tests script its failures:
the first N requests of every message answered with a status, every request answered with one
(and a Retry-After), or the requests of chosen messages held without an answer, before or
after delivering, so that the worker can be killed mid-send.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.serving import ServedInThread


@dataclass(frozen=True)
class Delivery:
    key: str
    recipient: str | None
    payload: dict[str, Any]
    at: float


@dataclass
class FakeRelay:
    # Answer the first `fail_first` requests of each message with `fail_status`.
    fail_first: int = 0
    fail_status: int = 500
    # Answer every request with this status (and this Retry-After, if set).
    always: int | None = None
    retry_after: str | None = None
    # Messages whose requests are held without an answer; with `deliver_before_hanging`, they
    # are delivered first (the provider accepted, the answer never reached the worker).
    hang: set[str] = field(default_factory=set)
    deliver_before_hanging: bool = False
    # When set, a request must carry "Authorization: Bearer <token>" or is answered 401;
    # POST /token hands out the current one (what a sender's refresh() asks for).
    token: str | None = None
    # Tokens that replace the current one just after it was handed out (revoked at once).
    token_rotations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._delivered_keys: set[str] = set()
        self.requests: Counter[str] = Counter()
        # Every request's key, in the order they arrived.
        self.request_log: list[str] = []
        self.duplicates = 0
        self.tokens_handed_out = 0
        self.hanging = threading.Event()
        self._lock = threading.Lock()
        self._release: asyncio.Event | None = None
        self._server = ServedInThread("the fake relay")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/messages"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/token"

    # Life cycle.

    def start(self) -> FakeRelay:
        self._server.start(self._app)
        return self

    def _app(self) -> web.Application:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/messages", self._handle)
        app.router.add_post("/token", self._hand_out_token)
        return app

    def stop(self) -> None:
        self.stop_hanging()
        self._server.stop()

    def stop_hanging(self) -> None:
        """Answer the held requests (their worker is usually gone by then)."""
        with self._lock:
            self.hang = set()
        if self._release is not None:
            self._server.call_soon(self._release.set)

    # What tests read.

    def delivered(self) -> Counter[str]:
        """How many times each message was delivered: every count must be 1."""
        with self._lock:
            return Counter(d.key for d in self.deliveries)

    def keys_in_order(self) -> list[str]:
        with self._lock:
            return [d.key for d in self.deliveries]

    def wait_for(self, predicate: Callable[[FakeRelay], bool], seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the fake relay did not see it: {len(self.deliveries)} delivered, "
                    f"{sum(self.requests.values())} requests"
                )
            time.sleep(0.02)

    # The provider.

    async def _handle(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key", "")
        body: dict[str, Any] = await request.json()
        if not key or body.get("idempotency_key") != key:
            return web.json_response({"error": "no idempotency key"}, status=400)
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "token expired"}, status=401)
        with self._lock:
            self.requests[key] += 1
            self.request_log.append(key)
            seen = self.requests[key]
            already = key in self._delivered_keys
            hang = key in self.hang
        if hang:
            return await self._hold(request, key, body, already)
        if already:
            with self._lock:
                self.duplicates += 1
            return web.json_response({"ok": True, "duplicate": True})
        refusal = self._refusal(seen)
        if refusal is not None:
            return refusal
        self._deliver(key, body)
        return web.json_response({"ok": True})

    def _refusal(self, seen: int) -> web.Response | None:
        if self.always is not None:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response({"ok": False}, status=self.always, headers=headers)
        if seen <= self.fail_first:
            return web.json_response({"ok": False}, status=self.fail_status)
        return None

    def _deliver(self, key: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._delivered_keys.add(key)
            self.deliveries.append(
                Delivery(key, body.get("recipient"), body.get("payload") or {}, time.monotonic())
            )

    async def _hand_out_token(self, _request: web.Request) -> web.Response:
        with self._lock:
            self.tokens_handed_out += 1
            token = self.token
            if self.token_rotations:
                self.token = self.token_rotations.pop(0)
        return web.json_response({"token": token})

    async def _hold(
        self, request: web.Request, key: str, body: dict[str, Any], already: bool
    ) -> web.Response:
        delivered = already
        if self.deliver_before_hanging and not delivered:
            self._deliver(key, body)
            delivered = True
        self.hanging.set()
        assert self._release is not None
        await self._release.wait()
        # Released: a late 200, which delivers the message if that had not happened yet and
        # its sender is still there to read the answer (a dead worker's request is dropped).
        gone = request.transport is None or request.transport.is_closing()
        if not delivered and not gone:
            self._deliver(key, body)
        return web.json_response({"ok": True, "late": True})

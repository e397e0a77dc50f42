"""Serving a fake's aiohttp application on 127.0.0.1 from a thread of the test process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from aiohttp import web


class ServedInThread:
    """An event loop in a daemon thread serving one application on a free port."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, make_app: Callable[[], web.Application]) -> None:
        """Serve what `make_app` builds; it runs in the loop's thread, so the asyncio objects
        it makes belong to that loop."""
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(make_app, ready), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self.name} did not start")

    def _serve(self, make_app: Callable[[], web.Application], ready: threading.Event) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(make_app(), access_log=None)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run `callback` in the loop's thread."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(callback)

    def stop(self) -> None:
        if self.loop is not None and self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

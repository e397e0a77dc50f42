"""Running the worker: its senders opened and closed inside its event loop, in the foreground
(`hailong worker`) or in a thread of another process (`hailong demo`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import make_engine, make_sessionmaker
from hailong.models import OutboxMessage
from hailong.outbox.senders import build_senders
from hailong.outbox.sending import Sender
from hailong.outbox.worker import Observer, OutboxWorker, Totals, TroubleObserver, WorkerOptions
from hailong.settings import Settings


@asynccontextmanager
async def opened_senders(
    settings: Settings, *, concurrency: int, sessions: sessionmaker[Session] | None = None
) -> AsyncIterator[dict[str, Sender]]:
    senders = build_senders(settings, concurrency=concurrency, sessions=sessions)
    try:
        yield senders
    finally:
        for sender in senders.values():
            await sender.aclose()


async def run_worker(
    settings: Settings,
    sessions: sessionmaker[Session],
    stop: asyncio.Event,
    *,
    concurrency: int = 4,
    once: bool = False,
    observe: Observer | None = None,
    on_trouble: TroubleObserver | None = None,
    hurry: asyncio.Event | None = None,
    on_start: Callable[[list[str]], None] | None = None,
) -> Totals:
    """The worker until `stop` is set (or, with `once`, until nothing is due); `hurry` hands
    back the messages being sent instead of waiting for them."""
    options = WorkerOptions.from_settings(settings, concurrency=concurrency)
    # A database without the outbox table (not migrated) or out of reach at the start is the
    # operator's to fix: it stops the command with a polite message (hailong.cli), where
    # trouble later on is waited out.
    await asyncio.to_thread(_look_at_the_table, sessions)
    async with opened_senders(settings, concurrency=concurrency, sessions=sessions) as senders:
        if on_start is not None:
            on_start(sorted(senders))
        worker = OutboxWorker(sessions, senders, options, observe=observe, on_trouble=on_trouble)
        if hurry is not None:
            worker.hurry = hurry
        return await worker.run(stop, once=once)


def _look_at_the_table(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.execute(select(OutboxMessage.id).limit(1))


class BackgroundWorker:
    """The worker in a thread of its own, with its own event loop and database engine: how
    `hailong demo` sends its messages without a second process."""

    def __init__(self, settings: Settings, *, observe: Observer | None = None) -> None:
        self.settings = settings
        self.observe = observe
        self.totals: Totals | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="hailong-worker", daemon=True)

    def start(self) -> BackgroundWorker:
        self._thread.start()
        self._ready.wait(30)
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop claiming, let the sends in flight finish (within their lease), and join."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout if timeout is not None else self.settings.outbox_lease_seconds)

    def _main(self) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            asyncio.run(self._run(make_sessionmaker(engine)))
        finally:
            self._ready.set()
            engine.dispose()

    async def _run(self, sessions: sessionmaker[Session]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        self.totals = await run_worker(self.settings, sessions, self._stop, observe=self.observe)


@contextmanager
def background_worker(settings: Settings, *, observe: Observer | None = None) -> Iterator[None]:
    """The worker in a thread for as long as the block runs; on the way out it stops claiming
    and lets the messages being sent finish (or hands them back) before the block is left."""
    worker = BackgroundWorker(settings, observe=observe).start()
    try:
        yield
    finally:
        worker.stop()

"""The outbox against real databases and a fake relay receiver over real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import unit_of_work
from hailong.models import OutboxMessage, OutboxState
from hailong.models.outbox import OPEN_STATES
from hailong.outbox import enqueue
from hailong.outbox.http import RELAY_CHANNEL
from hailong.outbox.running import run_worker
from hailong.outbox.sending import Sender
from hailong.outbox.worker import Delivery, OutboxWorker, Totals, WorkerOptions
from hailong.settings import Settings
from tests.conftest import TEST_SECRET
from tests.fakes.relay import FakeRelay

# Quick retries, so a test waits milliseconds where production waits minutes.
FAST = {
    "outbox_backoff_seconds": 0.02,
    "outbox_backoff_max_seconds": 0.1,
    "outbox_poll_seconds": 0.02,
    "outbox_send_timeout_seconds": 5.0,
    "outbox_lease_seconds": 10.0,
}


@pytest.fixture
def relay() -> Iterator[FakeRelay]:
    fake = FakeRelay().start()
    yield fake
    fake.stop()


def relay_settings(database_url: str, relay: FakeRelay, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "outbox_relay_url": relay.url,
        **FAST,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def settings(database_url: str, relay: FakeRelay) -> Settings:
    return relay_settings(database_url, relay)


def queue_messages(
    sessions: sessionmaker[Session],
    count: int,
    *,
    prefix: str = "m",
    ordering_key: str | None = None,
    channel: str = RELAY_CHANNEL,
    recipients: list[str] | None = None,
) -> list[str]:
    """`count` messages in one committed transaction; their idempotency keys, in order."""
    keys = [f"{prefix}-{n}" for n in range(count)]
    to = recipients or [f"citizen-{prefix}-{n}@example.vn" for n in range(count)]
    with unit_of_work(sessions) as session:
        for n, key in enumerate(keys):
            enqueue(
                session,
                channel=channel,
                kind="notice",
                recipient=to[n],
                payload={"text": f"Câu hỏi số {n}"},
                idempotency_key=key,
                ordering_key=ordering_key,
            )
    return keys


def open_messages(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.state.in_(OPEN_STATES))) or 0


def states(sessions: sessionmaker[Session]) -> dict[str, OutboxState]:
    with sessions() as session:
        return {
            m.idempotency_key: OutboxState(m.state) for m in session.scalars(select(OutboxMessage))
        }


def messages(sessions: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    with sessions() as session:
        return {m.idempotency_key: m for m in session.scalars(select(OutboxMessage))}


def work_until_settled(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    concurrency: int = 4,
    seconds: float = 30,
    senders: Callable[[], Mapping[str, Sender]] | None = None,
    done: Callable[[], bool] | None = None,
) -> tuple[Totals, list[Delivery]]:
    """Run the worker (in this process) until no message is open any more (or `done`): with
    the senders of the settings, or with those `senders` makes (inside the worker's loop)."""
    finished = done or (lambda: open_messages(sessions) == 0)
    seen: list[Delivery] = []

    def start(stop: asyncio.Event) -> Coroutine[Any, Any, Totals]:
        if senders is None:
            return run_worker(
                settings, sessions, stop, concurrency=concurrency, observe=seen.append
            )
        options = WorkerOptions.from_settings(settings, concurrency=concurrency)
        worker = OutboxWorker(sessions, senders(), options, observe=seen.append)
        return worker.run(stop)

    async def main() -> Totals:
        stop = asyncio.Event()
        worker = asyncio.create_task(start(stop))
        deadline = time.monotonic() + seconds
        while not await asyncio.to_thread(finished):
            if worker.done() or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        stop.set()
        return await worker

    totals = asyncio.run(main())
    assert finished(), "the worker was not done when the time was up"
    return totals, seen

"""The send loop: claim due messages, send each through its channel's sender, record how it went.

One asyncio loop sends up to `concurrency` messages at a time. The database work (claims and
outcomes, each a short transaction) runs in one thread of the worker's own, so a slow commit
never holds up the sends in flight, and the worker's transactions never queue for SQLite's
write lock behind one another.

Never sent twice when the send is known to have succeeded: the outcome is committed right
after the send returns, fenced by the claim's attempt number, and tried again for as long as
the lease lasts if the database does not answer (recording.py). One window remains, and no
outbox can close it on its own side: the provider has accepted the message, and the worker
dies (or the database stays away until the lease is over) before that commit. The message is
then taken again after its lease and sent a second time. The idempotency key, the same on
every attempt, is handed to the sender so that a provider that deduplicates (an
Idempotency-Key header, a client message id) recognises the second send; with a provider
that does not, the window is the time between its answer and our commit, milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import unit_of_work
from hailong.models.base import utcnow
from hailong.outbox import claims
from hailong.outbox.policy import RetryPolicy
from hailong.outbox.recording import (
    Delivery,
    Recorder,
    Result,
    TroubleObserver,
    decide,
    scrub,
)
from hailong.outbox.sending import Outcome, OutgoingMessage, Refresh, RetryLater, Sender
from hailong.settings import Settings

# How often the worker fails messages abandoned on their last attempt and forgets the
# recipients of messages that failed longer ago than HAILONG_OUTBOX_KEEP_FAILED_HOURS.
HOUSEKEEPING_SECONDS = 30.0

_T = TypeVar("_T")
logger = logging.getLogger(__name__)
Observer = Callable[[Delivery], None]

__all__ = [
    "Delivery",
    "Observer",
    "OutboxWorker",
    "Result",
    "Totals",
    "TroubleObserver",
    "WorkerOptions",
]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int
    policy: RetryPolicy
    lease: float
    send_timeout: float
    poll: float
    keep_failed: float
    name: str

    @classmethod
    def from_settings(cls, settings: Settings, *, concurrency: int = 4) -> WorkerOptions:
        return cls(
            concurrency=concurrency,
            policy=RetryPolicy.from_settings(settings),
            lease=settings.outbox_lease_seconds,
            send_timeout=settings.outbox_send_timeout_seconds,
            poll=settings.outbox_poll_seconds,
            keep_failed=settings.outbox_keep_failed_hours * 3600,
            name=worker_name(),
        )

    @property
    def working_time(self) -> float:
        """How long one claim may take, sends and refresh included: the lease, less a margin
        for recording the outcome before another worker may take the message."""
        return self.lease - min(5.0, self.lease * 0.1)


@dataclass
class Totals:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0

    def count(self, delivery: Delivery) -> None:
        if delivery.result is Result.sent:
            self.sent += 1
        elif delivery.result is Result.retry:
            self.retried += 1
        elif delivery.result is Result.failed:
            self.failed += 1
        elif delivery.result is Result.released:
            self.released += 1


class OutboxWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: Mapping[str, Sender],
        options: WorkerOptions,
        *,
        observe: Observer | None = None,
        on_trouble: TroubleObserver | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = senders
        self.options = options
        self.totals = Totals()
        self._observe = observe or (lambda _delivery: None)
        self._on_trouble = on_trouble or (lambda _kind, _wait: None)
        self._rng = rng or random.Random()
        self._next_housekeeping = 0.0
        self._next_upkeep = 0.0
        self._upkeeping: asyncio.Task[None] | None = None
        # Set by a second Ctrl+C: hand back what is being sent instead of waiting for it.
        self.hurry = asyncio.Event()
        self._database = ThreadPoolExecutor(1, thread_name_prefix="hailong-outbox-db")
        self._recorder = Recorder(
            sessions,
            self._in_database,
            keep_failed=options.keep_failed > 0,
            on_trouble=self._on_trouble,
        )

    # --- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> Totals:
        """Send until `stop` is set; with `once`, until nothing is due any more."""
        in_flight: set[asyncio.Task[None]] = set()
        recording = asyncio.create_task(self._recorder.run())
        try:
            while not stop.is_set():
                self._start_upkeep()
                free = self.options.concurrency - len(in_flight)
                # Claim when half the slots are free (or all): one claim serves several sends.
                worth_it = free > 0 and (not in_flight or 2 * free >= self.options.concurrency)
                claimed = await self._claim(free) if worth_it else []
                for message in claimed:
                    in_flight.add(asyncio.create_task(self._deliver(message, time.monotonic())))
                if not claimed and not in_flight:
                    await self._checkpoint_if_erased()
                    if once:
                        break
                # A full batch: more may be due, claim again as soon as a slot is free.
                # Fewer than asked: nothing else is due; look again after the poll interval,
                # or sooner when a send ends (it may release the next message of its chat).
                full = bool(claimed) and len(claimed) == free
                await self._wait(stop, in_flight, None if full else self.options.poll)
                in_flight = {task for task in in_flight if not task.done()}
        finally:
            await self._drain(in_flight)
            await self._stop_upkeep()
            self._recorder.close()
            await recording
            await self._checkpoint_if_erased()
            self._database.shutdown(wait=True)
        return self.totals

    # --- senders' upkeep ------------------------------------------------------------------

    def _start_upkeep(self) -> None:
        """Now and then, let each sender that has an `upkeep()` renew its credentials before
        they expire (Zalo's access token); in a task, so sends go on meanwhile."""
        if time.monotonic() < self._next_upkeep:
            return
        if self._upkeeping is not None and not self._upkeeping.done():
            return
        self._next_upkeep = time.monotonic() + HOUSEKEEPING_SECONDS
        calls = [getattr(sender, "upkeep", None) for sender in self.senders.values()]
        upkeeps = [call for call in calls if call is not None]
        if upkeeps:
            self._upkeeping = asyncio.create_task(self._upkeep(upkeeps))

    async def _upkeep(self, upkeeps: list[Callable[[], Awaitable[None]]]) -> None:
        for upkeep in upkeeps:
            try:
                async with asyncio.timeout(self.options.send_timeout):
                    await upkeep()
            except Exception as error:  # tried again at the next upkeep
                logger.warning("a sender's upkeep failed (%s)", type(error).__name__)

    async def _stop_upkeep(self) -> None:
        if self._upkeeping is not None and not self._upkeeping.done():
            self._upkeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upkeeping

    async def _in_database(self, work: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._database, work)

    async def _wait(
        self, stop: asyncio.Event, in_flight: set[asyncio.Task[None]], timeout: float | None
    ) -> None:
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait(
                {*in_flight, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()

    async def _drain(self, in_flight: set[asyncio.Task[None]]) -> None:
        """Let the sends in flight finish (each is bounded by the lease), unless told to hurry;
        then hand back whatever is still being sent."""
        remaining = {task for task in in_flight if not task.done()}
        hurrying = asyncio.create_task(self.hurry.wait())
        deadline = time.monotonic() + self.options.working_time
        try:
            while remaining and not self.hurry.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                done, _ = await asyncio.wait(
                    {*remaining, hurrying}, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                remaining -= done
        finally:
            hurrying.cancel()
            for task in remaining:
                task.cancel()
            await asyncio.gather(*remaining, return_exceptions=True)

    # --- claiming and housekeeping ----------------------------------------------------------

    async def _claim(self, limit: int) -> list[OutgoingMessage]:
        if not self.senders:
            return []
        try:
            return await self._in_database(functools.partial(self._claim_now, limit))
        except DBAPIError as error:
            # The database is down or restarting: say so (never its URL) and keep trying.
            self._on_trouble(type(error.orig).__name__, self.options.poll * 4)
            await asyncio.sleep(self.options.poll * 4)
            return []

    def _claim_now(self, limit: int) -> list[OutgoingMessage]:
        now = utcnow()
        with unit_of_work(self.sessions) as session:
            if time.monotonic() >= self._next_housekeeping:
                self._housekeeping(session, now)
            return claims.claim(
                session,
                channels=self.senders.keys(),
                limit=limit,
                now=now,
                lease=timedelta(seconds=self.options.lease),
                worker=self.options.name,
            )

    def _housekeeping(self, session: Session, now: datetime) -> None:
        keep = self.options.keep_failed > 0
        given_up = claims.give_up_abandoned(
            session, now=now, max_attempts=self.options.policy.max_attempts, keep_recipient=keep
        )
        erased = 0
        if keep:
            before = now - timedelta(seconds=self.options.keep_failed)
            erased = claims.erase_expired(session, failed_before=before, now=now)
        if given_up or erased:
            self._recorder.erased = True
        self._next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS

    async def _checkpoint_if_erased(self) -> None:
        engine = self.sessions.kw.get("bind")
        if not self._recorder.erased or not isinstance(engine, Engine):
            return
        self._recorder.erased = False
        try:
            await self._in_database(functools.partial(claims.truncate_wal, engine))
        except DBAPIError:
            self._recorder.erased = True

    # --- sending ----------------------------------------------------------------------------

    async def _deliver(self, message: OutgoingMessage, claimed: float) -> None:
        deadline = claimed + self.options.working_time
        try:
            outcome = await self._send(message, deadline)
        except asyncio.CancelledError:
            # Stopping and out of patience: hand it back now rather than after its lease.
            await self._finish(message, None, claimed)
            raise
        await self._finish(message, outcome, claimed)

    async def _send(self, message: OutgoingMessage, deadline: float) -> Outcome:
        sender = self.senders[message.channel]
        outcome = await self._within(lambda: sender.send(message), message, deadline)
        if not isinstance(outcome, Refresh):
            return outcome
        # Credentials refused: renew them and send once more within this attempt.
        refused = await self._within(sender.refresh, message, deadline)
        if refused is not None:
            return refused
        outcome = await self._within(lambda: sender.send(message), message, deadline)
        return RetryLater(outcome.error) if isinstance(outcome, Refresh) else outcome

    async def _within(
        self,
        call: Callable[[], Awaitable[_T]],
        message: OutgoingMessage,
        deadline: float,
    ) -> _T | RetryLater:
        """A sender's call, within the send timeout and the lease; an exception or a timeout
        is worth another try later."""
        left = min(self.options.send_timeout, deadline - time.monotonic())
        if left <= 0:
            return RetryLater("no time left in the worker's lease")
        try:
            async with asyncio.timeout(left):
                return await call()
        except TimeoutError:
            return RetryLater(f"no answer within {left:.0f} s")
        except Exception as error:  # a sender's bug or an unexpected network failure
            return RetryLater(scrub(f"{type(error).__name__}: {error}", message.recipient))

    async def _finish(
        self, message: OutgoingMessage, outcome: Outcome | None, claimed: float
    ) -> None:
        """Record the outcome (None: hand the message back), then tell the observer."""
        seconds = time.monotonic() - claimed
        intended = decide(message, outcome, seconds, self.options.policy, self._rng)
        lease_ends = claimed + self.options.lease
        # Shielded: a stop that cancels this send must not cancel the writing of its outcome.
        delivery = await asyncio.shield(self._recorder.record(message, intended, lease_ends))
        if delivery is not None:
            self.totals.count(delivery)
            self._observe(delivery)

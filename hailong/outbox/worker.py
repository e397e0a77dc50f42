"""The send loop: claim due messages, send each through its channel's sender, record how it went.

One asyncio loop sends up to `concurrency` messages at a time; the database work (claims and
outcomes, each a short transaction of its own) runs in threads, so a slow commit never holds
up the sends in flight.

Never sent twice when the send is known to have succeeded: the outcome is committed in its
own transaction right after the send returns, fenced by the claim's attempt number, and
retried for as long as the lease lasts if the database does not answer. One window remains,
and no outbox can close it on its own side: the provider has accepted the message, and the
worker dies (or the database stays down until the lease is over) before the commit. Then the
message is taken again after its lease and sent a second time. The idempotency key, the same
on every attempt, is handed to the sender so that a provider that deduplicates (an
Idempotency-Key header, a client message id) recognises the second send; for a provider that
does not, the window is the time between its answer and our commit, a few milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import unit_of_work
from hailong.models.base import utcnow
from hailong.outbox import claims
from hailong.outbox.policy import RetryPolicy
from hailong.outbox.sending import (
    Failed,
    Outcome,
    OutgoingMessage,
    Refresh,
    RetryLater,
    Sender,
    Sent,
)
from hailong.settings import Settings

# How often the worker fails messages abandoned on their last attempt and forgets the
# recipients of messages that failed longer ago than HAILONG_OUTBOX_KEEP_FAILED_HOURS.
HOUSEKEEPING_SECONDS = 30.0
# Waits between tries to record an outcome while the database does not answer.
RECORD_RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 4.0)


_T = TypeVar("_T")


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


class Result(StrEnum):
    sent = "sent"
    retry = "retry"
    failed = "failed"
    # Handed back unsent because the worker is stopping.
    released = "released"
    # Its lease ran out before the outcome was recorded, and another worker took it.
    lost = "lost"


@dataclass(frozen=True)
class Delivery:
    """What happened to one claimed message: what `hailong worker` prints (no personal data)."""

    message_id: int
    channel: str
    kind: str
    attempt: int
    result: Result
    seconds: float
    error: str | None = None
    retry_in: float | None = None


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


Observer = Callable[[Delivery], None]
TroubleObserver = Callable[[str, float], None]


def scrub(error: str, recipient: str | None) -> str:
    """An error text fit for the table and the console: one line, without the recipient even
    when the provider echoed it back ("550 <someone@example.vn> unknown")."""
    text = " ".join(error.split())
    if recipient:
        text = text.replace(recipient, "[recipient]")
    return text[: claims.ERROR_LENGTH]


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
        self._erased_since_checkpoint = False
        # Set by a second Ctrl+C: hand back what is being sent instead of waiting for it.
        self.hurry = asyncio.Event()

    # --- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> Totals:
        """Send until `stop` is set; with `once`, until nothing is due any more."""
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                free = self.options.concurrency - len(in_flight)
                claimed = await self._claim(free) if free > 0 else []
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
            await self._checkpoint_if_erased()
        return self.totals

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

    # --- claiming ---------------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[OutgoingMessage]:
        if not self.senders:
            return []
        try:
            return await asyncio.to_thread(self._claim_now, limit)
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
            self._erased_since_checkpoint = True
        self._next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS

    async def _checkpoint_if_erased(self) -> None:
        if not self._erased_since_checkpoint:
            return
        self._erased_since_checkpoint = False
        engine = self.sessions.kw.get("bind")
        if isinstance(engine, Engine):
            try:
                await asyncio.to_thread(claims.truncate_wal, engine)
            except DBAPIError:
                self._erased_since_checkpoint = True

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
        refused = await self._within(lambda: _refresh(sender), message, deadline)
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

    # --- recording --------------------------------------------------------------------------

    async def _finish(
        self, message: OutgoingMessage, outcome: Outcome | None, claimed: float
    ) -> None:
        """Record the outcome (None: hand the message back), retrying while the database is
        away and the lease lasts; then tell the observer."""
        seconds = time.monotonic() - claimed
        for wait in (*RECORD_RETRY_SECONDS, None):
            try:
                delivery = await asyncio.to_thread(self._record, message, outcome, seconds)
            except DBAPIError as error:
                self._on_trouble(type(error.orig).__name__, wait or 0.0)
                if wait is None or time.monotonic() + wait > claimed + self.options.lease:
                    # Out of time: the lease runs out and a worker takes the message again.
                    return
                await asyncio.sleep(wait)
            else:
                self.totals.count(delivery)
                self._observe(delivery)
                return

    def _record(
        self, message: OutgoingMessage, outcome: Outcome | None, seconds: float
    ) -> Delivery:
        now = utcnow()
        with unit_of_work(self.sessions) as session:
            if outcome is None:
                ours = claims.release(session, message, now=now)
                delivery = _delivery(message, seconds, Result.released)
            elif isinstance(outcome, Sent):
                ours = claims.record_sent(session, message, now=now)
                delivery = _delivery(message, seconds, Result.sent)
            else:
                delivery = self._not_sent(message, outcome, seconds)
                ours = self._record_not_sent(session, message, delivery, now)
        if not ours:
            return _delivery(message, seconds, Result.lost)
        if delivery.result in (Result.sent, Result.failed) and message.recipient is not None:
            self._erased_since_checkpoint = True
        return delivery

    def _not_sent(
        self, message: OutgoingMessage, outcome: Failed | RetryLater | Refresh, seconds: float
    ) -> Delivery:
        """Failed for good, or to be tried again after a backoff."""
        error = scrub(outcome.error, message.recipient)
        policy = self.options.policy
        if isinstance(outcome, Failed) or policy.gives_up_after(message.attempt):
            return _delivery(message, seconds, Result.failed, error=error)
        after = outcome.after if isinstance(outcome, RetryLater) else None
        wait = policy.delay(message.attempt, after=after, rng=self._rng)
        return _delivery(message, seconds, Result.retry, error=error, retry_in=wait)

    def _record_not_sent(
        self, session: Session, message: OutgoingMessage, delivery: Delivery, now: datetime
    ) -> bool:
        error = delivery.error or ""
        if delivery.result is Result.failed:
            keep = self.options.keep_failed > 0
            return claims.record_failed(session, message, error=error, now=now, keep_recipient=keep)
        at = now + timedelta(seconds=delivery.retry_in or 0.0)
        return claims.record_retry(session, message, error=error, at=at)


def _delivery(
    message: OutgoingMessage,
    seconds: float,
    result: Result,
    *,
    error: str | None = None,
    retry_in: float | None = None,
) -> Delivery:
    return Delivery(
        message_id=message.id,
        channel=message.channel,
        kind=message.kind,
        attempt=message.attempt,
        result=result,
        seconds=seconds,
        error=error,
        retry_in=retry_in,
    )


async def _refresh(sender: Sender) -> None:
    await sender.refresh()

"""Recording what happened to each claimed message, right after its send.

Each outcome is written as soon as its send returns, fenced by the claim's attempt number;
outcomes that arrive while a commit is under way wait for it and then share the next one
(a group commit), so a worker sending many messages at a time is not held to one commit per
message. If the database does not answer, the write is tried again for as long as the claims'
leases last; after that a message's lease runs out and it is taken again (see worker.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import unit_of_work
from hailong.models.base import utcnow
from hailong.outbox import claims
from hailong.outbox.policy import RetryPolicy
from hailong.outbox.sending import Failed, Outcome, OutgoingMessage, RetryLater, Sent

# Waits between tries to record outcomes while the database does not answer.
RECORD_RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)

_T = TypeVar("_T")
InDatabase = Callable[[Callable[[], _T]], Awaitable[_T]]
TroubleObserver = Callable[[str, float], None]


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


def scrub(error: str, recipient: str | None) -> str:
    """An error text fit for the table and the console: one line, without the recipient even
    when the provider echoed it back ("550 <someone@example.vn> unknown")."""
    text = " ".join(error.split())
    if recipient:
        text = text.replace(recipient, "[recipient]")
    return text[: claims.ERROR_LENGTH]


def decide(
    message: OutgoingMessage,
    outcome: Outcome | None,
    seconds: float,
    policy: RetryPolicy,
    rng: random.Random,
) -> Delivery:
    """What to record: sent; handed back (no outcome: the worker is stopping); failed for good
    (refused, or the last attempt); or tried again after a backoff."""
    base = Delivery(
        message.id, message.channel, message.kind, message.attempt, Result.sent, seconds
    )
    if outcome is None:
        return replace(base, result=Result.released)
    if isinstance(outcome, Sent):
        return base
    error = scrub(outcome.error, message.recipient)
    if isinstance(outcome, Failed) or policy.gives_up_after(message.attempt):
        return replace(base, result=Result.failed, error=error)
    after = outcome.after if isinstance(outcome, RetryLater) else None
    wait = policy.delay(message.attempt, after=after, rng=rng)
    return replace(base, result=Result.retry, error=error, retry_in=wait)


@dataclass
class _Pending:
    message: OutgoingMessage
    delivery: Delivery
    # When the message's lease ends (time.monotonic()): the last moment a write is worth trying.
    lease_ends: float
    done: asyncio.Future[Delivery | None]


class Recorder:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        in_database: InDatabase[list[Delivery]],
        *,
        keep_failed: bool,
        on_trouble: TroubleObserver,
    ) -> None:
        self.sessions = sessions
        self._in_database = in_database
        self._keep_failed = keep_failed
        self._on_trouble = on_trouble
        self._queue: list[_Pending] = []
        self._waiting = asyncio.Event()
        self._closing = False
        # Set when a recipient was erased: on SQLite the worker then checkpoints the WAL.
        self.erased = False

    async def record(
        self, message: OutgoingMessage, delivery: Delivery, lease_ends: float
    ) -> Delivery | None:
        """Write it; the delivery as recorded (`lost` if the claim was no longer ours), or None
        if the database did not answer before the lease ended."""
        done: asyncio.Future[Delivery | None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(message, delivery, lease_ends, done))
        self._waiting.set()
        return await done

    async def run(self) -> None:
        """Write what is queued, batch after batch, until close()."""
        while True:
            await self._waiting.wait()
            self._waiting.clear()
            batch, self._queue = self._queue, []
            if batch:
                await self._write(batch)
            elif self._closing:
                return

    def close(self) -> None:
        self._closing = True
        self._waiting.set()

    async def _write(self, batch: list[_Pending]) -> None:
        last_chance = min(pending.lease_ends for pending in batch)
        recorded: list[Delivery | None]
        for wait in (*RECORD_RETRY_SECONDS, None):
            try:
                recorded = list(await self._in_database(lambda: self._write_now(batch)))
            except DBAPIError as error:
                self._on_trouble(type(error.orig).__name__, wait or 0.0)
                if wait is not None and time.monotonic() + wait < last_chance:
                    await asyncio.sleep(wait)
                    continue
                # Out of time: the leases run out and a worker takes the messages again.
                recorded = [None] * len(batch)
            except Exception as error:  # a bug: leave these to their leases, keep recording
                self._on_trouble(type(error).__name__, 0.0)
                recorded = [None] * len(batch)
            for pending, delivery in zip(batch, recorded, strict=True):
                pending.done.set_result(delivery)
            return

    def _write_now(self, batch: list[_Pending]) -> list[Delivery]:
        """One transaction: the sent messages in one statement, the others one by one."""
        now = utcnow()
        recorded = []
        with unit_of_work(self.sessions) as session:
            sent = [p.message for p in batch if p.delivery.result is Result.sent]
            ours = claims.record_all_sent(session, sent, now=now)
            for pending in batch:
                delivery = pending.delivery
                if delivery.result is Result.sent:
                    written = pending.message.id in ours
                else:
                    written = self._write_unsent(session, pending.message, delivery, now)
                if not written:
                    delivery = replace(delivery, result=Result.lost)
                elif pending.message.recipient is not None and (
                    delivery.result is Result.sent
                    or (delivery.result is Result.failed and not self._keep_failed)
                ):
                    self.erased = True
                recorded.append(delivery)
        return recorded

    def _write_unsent(
        self, session: Session, message: OutgoingMessage, delivery: Delivery, now: datetime
    ) -> bool:
        error = delivery.error or ""
        if delivery.result is Result.released:
            return claims.release(session, message, now=now)
        if delivery.result is Result.failed:
            return claims.record_failed(
                session, message, error=error, now=now, keep_recipient=self._keep_failed
            )
        at = now + timedelta(seconds=delivery.retry_in or 0.0)
        return claims.record_retry(session, message, error=error, at=at)

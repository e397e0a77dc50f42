"""The outbox as producers and operators see it: enqueue in the caller's transaction, count,
list what failed, queue it again.

A message is queued if and only if the transaction that caused it commits: enqueue() only
writes and flushes, inside the caller's transaction (commit at the edge), and the worker sees
the row once that transaction has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from hailong.db import dialect_insert
from hailong.models import OutboxMessage, OutboxState
from hailong.models.base import utcnow
from hailong.models.outbox import OPEN_STATES

TABLE = OutboxMessage.__table__
# Column widths, checked before writing: SQLite would store a longer value silently.
_LIMITS = {"channel": 16, "kind": 32, "idempotency_key": 200, "ordering_key": 128, "recipient": 320}


@dataclass(frozen=True)
class Enqueued:
    id: int
    # False when a message with the same channel and key was queued before: nothing was added.
    created: bool


def enqueue(
    session: Session,
    *,
    channel: str,
    kind: str,
    recipient: str | None,
    payload: dict[str, Any],
    idempotency_key: str,
    ordering_key: str | None = None,
    not_before: datetime | None = None,
) -> Enqueued:
    """Queue a message in the caller's transaction; the caller commits.

    `idempotency_key` names the message for its producer ("invitation:<dossier>",
    "zalo:<event id>:<step>"): queueing the same key on the same channel again adds nothing,
    so a redelivered webhook or a re-run import never sends twice. Messages with the same
    `ordering_key` (a keyed hash of the recipient, never the recipient) are sent one at a
    time in the order they were queued. `recipient` is erased once the message is sent or
    has finally failed.
    """
    values: dict[str, Any] = {
        "channel": channel,
        "kind": kind,
        "idempotency_key": idempotency_key,
        "ordering_key": ordering_key,
        "recipient": recipient,
        "payload": payload,
    }
    _check_lengths(values)
    now = utcnow()
    values |= {
        "state": OutboxState.pending,
        "attempts": 0,
        "available_at": max(not_before, now) if not_before else now,
        "created_at": now,
    }
    statement = (
        dialect_insert(session, TABLE)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "idempotency_key"])
        .returning(TABLE.c.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        return Enqueued(id=new_id, created=True)
    existing = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.channel == channel, OutboxMessage.idempotency_key == idempotency_key
        )
    )
    assert existing is not None  # the conflict was with this row
    return Enqueued(id=existing, created=False)


def _check_lengths(values: dict[str, Any]) -> None:
    for name, limit in _LIMITS.items():
        value = values[name]
        if value is not None and len(value) > limit:
            # A producer's mistake, not a citizen's: say which field (never its value).
            raise ValueError(f"outbox {name} longer than {limit} characters")


# --- counting and listing ----------------------------------------------------------------


@dataclass
class ChannelCounts:
    channel: str
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    # Seconds the most overdue open message has been waiting to be taken: a number that keeps
    # growing means no worker is running (or none has this channel's sender).
    longest_wait: int = 0

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


def counts(session: Session, *, now: datetime | None = None) -> list[ChannelCounts]:
    """Messages by channel and state, one aggregate query each (the state index serves both)."""
    by_channel: dict[str, ChannelCounts] = {}
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.state, func.count())
        .group_by(OutboxMessage.channel, OutboxMessage.state)
        .order_by(OutboxMessage.channel)
    )
    for channel, state, count in rows:
        entry = by_channel.setdefault(channel, ChannelCounts(channel))
        setattr(entry, OutboxState(state).value, count)
    oldest = session.execute(
        select(OutboxMessage.channel, func.min(OutboxMessage.available_at))
        .where(OutboxMessage.state.in_(OPEN_STATES))
        .group_by(OutboxMessage.channel)
    )
    moment = now or utcnow()
    for channel, earliest in oldest:
        waited = (moment - _aware(earliest)).total_seconds()
        by_channel[channel].longest_wait = max(0, int(waited))
    return list(by_channel.values())


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


@dataclass(frozen=True)
class FailedMessage:
    id: int
    channel: str
    kind: str
    attempts: int
    finished_at: datetime | None
    last_error: str | None
    # False once its recipient was erased: it can no longer be sent.
    can_retry: bool


def failed_messages(
    session: Session, *, channel: str | None = None, limit: int = 100
) -> list[FailedMessage]:
    """The most recently failed messages first, with their last error (never a recipient)."""
    query = select(OutboxMessage).where(OutboxMessage.state == OutboxState.failed)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    query = query.order_by(OutboxMessage.finished_at.desc(), OutboxMessage.id.desc()).limit(limit)
    return [
        FailedMessage(
            id=m.id,
            channel=m.channel,
            kind=m.kind,
            attempts=m.attempts,
            finished_at=m.finished_at,
            last_error=m.last_error,
            can_retry=m.erased_at is None,
        )
        for m in session.scalars(query)
    ]


# --- queueing again ----------------------------------------------------------------------


@dataclass
class Requeued:
    requeued: list[int] = field(default_factory=list)
    # Failed, but the recipient was erased when it failed: there is nobody to send it to.
    erased: list[int] = field(default_factory=list)
    # Sent, or being sent right now: left alone.
    left_alone: list[tuple[int, str]] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


def _requeue_values(now: datetime) -> dict[str, Any]:
    # A fresh start: every attempt again, at once. The last error stays until the next outcome.
    return {
        "state": OutboxState.pending,
        "attempts": 0,
        "available_at": now,
        "finished_at": None,
        "claimed_by": None,
    }


def requeue(session: Session, ids: Sequence[int], *, now: datetime | None = None) -> Requeued:
    """Queue the named messages again: failed ones from their first attempt, waiting ones at
    once (after their provider came back, say)."""
    moment = now or utcnow()
    result = Requeued()
    found = {
        m.id: m
        for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).with_for_update()
        )
    }
    for message_id in dict.fromkeys(ids):
        message = found.get(message_id)
        if message is None:
            result.unknown.append(message_id)
        elif message.state in (OutboxState.sent, OutboxState.sending):
            result.left_alone.append((message_id, message.state))
        elif message.erased_at is not None:
            result.erased.append(message_id)
        else:
            result.requeued.append(message_id)
    if result.requeued:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(result.requeued))
            .values(**_requeue_values(moment))
        )
    session.flush()
    return result


@dataclass(frozen=True)
class RequeuedFailed:
    requeued: int
    # Failed messages whose recipient was erased when they failed: left as they are.
    erased: int


def requeue_failed(
    session: Session, *, channel: str | None = None, now: datetime | None = None
) -> RequeuedFailed:
    """Queue every failed message again that still has its recipient (one UPDATE)."""
    failed = [OutboxMessage.state == OutboxState.failed]
    if channel is not None:
        failed.append(OutboxMessage.channel == channel)
    erased = session.scalar(
        select(func.count()).where(*failed, OutboxMessage.erased_at.is_not(None))
    )
    done = session.execute(
        update(OutboxMessage)
        .where(*failed, OutboxMessage.erased_at.is_(None))
        .values(**_requeue_values(now or utcnow()))
    )
    assert isinstance(done, CursorResult)
    return RequeuedFailed(requeued=done.rowcount, erased=erased or 0)

"""The worker's side of the table: take due messages under a lease, record each outcome.

Taking (claiming) is one UPDATE of the chosen rows to `sending`, with available_at moved to
the end of the lease and `attempts` counted up, in one short transaction:

- PostgreSQL: the rows are chosen `FOR UPDATE SKIP LOCKED`, so workers claiming at the same
  moment pass over each other's rows instead of waiting for them or taking them twice.
- SQLite: every transaction of ours begins with BEGIN IMMEDIATE (hailong.db), which takes the
  database's one write lock; claims therefore run one worker at a time, each seeing what the
  previous one took.

A message whose worker died mid-send is `sending` with its lease over: the claim takes it
again like a due one. Every outcome is written with the claim's attempt number as a fence:
a worker whose lease ran out and whose message was taken over records nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    CursorResult,
    Engine,
    Select,
    and_,
    case,
    exists,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, aliased

from hailong.db import is_postgresql
from hailong.models import OutboxMessage, OutboxState
from hailong.models.outbox import OPEN_STATES
from hailong.outbox.sending import OutgoingMessage

ERROR_LENGTH = 500
ABANDONED = "the worker stopped during the last attempt; not sent again, it may have arrived"


def claim(
    session: Session,
    *,
    channels: Collection[str],
    limit: int,
    now: datetime,
    lease: timedelta,
    worker: str,
) -> list[OutgoingMessage]:
    """Take up to `limit` due messages of these channels, oldest first; the caller commits.

    A message waits while an earlier message with its ordering key is still open (waiting,
    being sent, or retrying): a chat's questions go out in order, one at a time.
    """
    if not channels or limit <= 0:
        return []
    earlier = aliased(OutboxMessage)
    held_back = exists().where(
        earlier.ordering_key == OutboxMessage.ordering_key,
        earlier.id < OutboxMessage.id,
        _is_open(earlier.state),
    )
    due = (
        select(OutboxMessage.id)
        .where(
            _is_open(OutboxMessage.state),
            OutboxMessage.available_at <= now,
            OutboxMessage.channel.in_(sorted(channels)),
            ~held_back,
        )
        .order_by(OutboxMessage.available_at, OutboxMessage.id)
        .limit(limit)
    )
    chosen = _chosen_once(session, due)
    taken = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(chosen.c.id)))
        .values(
            state=OutboxState.sending,
            attempts=OutboxMessage.attempts + 1,
            available_at=now + lease,
            claimed_by=worker[:64],
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.kind,
            OutboxMessage.recipient,
            OutboxMessage.payload,
            OutboxMessage.idempotency_key,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    messages = [
        OutgoingMessage(
            id=row.id,
            channel=row.channel,
            kind=row.kind,
            recipient=row.recipient,
            payload=row.payload,
            idempotency_key=row.idempotency_key,
            attempt=row.attempts,
        )
        for row in taken
    ]
    return sorted(messages, key=lambda m: m.id)


def _is_open(state: Any) -> ColumnElement[bool]:
    """`state IN ('pending', 'sending')` with the values written out, as in the partial
    indexes' condition: with bound parameters SQLite cannot tell that the condition holds and
    scans the table instead (for each candidate, in the ordering check), and neither can a
    prepared statement's generic plan on PostgreSQL."""
    return cast(
        "ColumnElement[bool]", state.in_([literal_column(f"'{s.value}'") for s in OPEN_STATES])
    )


def _chosen_once(session: Session, due: Select[tuple[int]]) -> CTE:
    """The chosen ids as a query run exactly once. On PostgreSQL they are locked as chosen,
    skipping rows another claim has locked; a row changed and committed by another worker
    since this statement began is checked again against the conditions before it is locked,
    so it is never taken twice. MATERIALIZED, because as an inlined subquery the planner may
    run LIMIT ... SKIP LOCKED again for each row it updates, taking more than `limit`."""
    if not is_postgresql(session):
        return due.cte("due")
    return due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")


def _this_claim(message: OutgoingMessage) -> Any:
    return and_(
        OutboxMessage.id == message.id,
        OutboxMessage.state == OutboxState.sending,
        OutboxMessage.attempts == message.attempt,
    )


def _erase(now: datetime) -> dict[str, Any]:
    """The columns that forget the recipient, and when that happened."""
    return {
        "recipient": None,
        "erased_at": case(
            (OutboxMessage.recipient.is_not(None), now), else_=OutboxMessage.erased_at
        ),
    }


def _changed(session: Session, statement: Any) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount


def record_sent(session: Session, message: OutgoingMessage, *, now: datetime) -> bool:
    """Sent: done for good, recipient erased. False if the claim was no longer ours."""
    return message.id in record_all_sent(session, [message], now=now)


def record_all_sent(
    session: Session, messages: Sequence[OutgoingMessage], *, now: datetime
) -> set[int]:
    """Several sent messages in one statement; the ids whose claim was still ours."""
    if not messages:
        return set()
    values = {
        "state": OutboxState.sent,
        "finished_at": now,
        "claimed_by": None,
        "last_error": None,
        **_erase(now),
    }
    claimed = tuple_(OutboxMessage.id, OutboxMessage.attempts).in_(
        [(m.id, m.attempt) for m in messages]
    )
    done = session.execute(
        update(OutboxMessage)
        .where(claimed, OutboxMessage.state == OutboxState.sending)
        .values(values)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(done.scalars())


def record_retry(session: Session, message: OutgoingMessage, *, error: str, at: datetime) -> bool:
    """Not sent this time: waiting again until `at`."""
    values = {
        "state": OutboxState.pending,
        "available_at": at,
        "claimed_by": None,
        "last_error": error[:ERROR_LENGTH],
    }
    return _changed(session, update(OutboxMessage).where(_this_claim(message)).values(values)) == 1


def record_failed(
    session: Session,
    message: OutgoingMessage,
    *,
    error: str,
    now: datetime,
    keep_recipient: bool,
) -> bool:
    """Given up. The recipient is erased now, unless the operator keeps failed messages'
    recipients for a while (for `hailong outbox retry`); erase_expired() forgets them later."""
    values: dict[str, Any] = {
        "state": OutboxState.failed,
        "finished_at": now,
        "claimed_by": None,
        "last_error": error[:ERROR_LENGTH],
    }
    if not keep_recipient:
        values |= _erase(now)
    return _changed(session, update(OutboxMessage).where(_this_claim(message)).values(values)) == 1


def release(session: Session, message: OutgoingMessage, *, now: datetime) -> bool:
    """Hand a message back unsent (the worker is stopping): due at once, for any worker."""
    values = {"state": OutboxState.pending, "available_at": now, "claimed_by": None}
    return _changed(session, update(OutboxMessage).where(_this_claim(message)).values(values)) == 1


def give_up_abandoned(
    session: Session, *, now: datetime, max_attempts: int, keep_recipient: bool
) -> int:
    """Fail the messages whose worker died during their last attempt, rather than try once
    more than allowed: a message that kills its worker every time must not loop forever."""
    values: dict[str, Any] = {
        "state": OutboxState.failed,
        "finished_at": now,
        "claimed_by": None,
        "last_error": ABANDONED,
    }
    if not keep_recipient:
        values |= _erase(now)
    return _changed(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.sending,
            OutboxMessage.available_at <= now,
            OutboxMessage.attempts >= max_attempts,
        )
        .values(values),
    )


def erase_expired(session: Session, *, failed_before: datetime, now: datetime) -> int:
    """Forget the recipients of messages that failed before `failed_before`."""
    return _changed(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.failed,
            OutboxMessage.recipient.is_not(None),
            OutboxMessage.finished_at < failed_before,
        )
        .values(_erase(now)),
    )


def truncate_wal(engine: Engine) -> None:
    """On SQLite, write the WAL back into the database file and empty it.

    With `secure_delete` on (hailong.db), erasing a recipient overwrites its bytes in the
    page; but until a checkpoint the WAL file still holds the page as it was before. Run when
    the worker is idle after erasing. It needs a connection outside any transaction, and does
    less (never fails) while readers are busy: the next idle moment finishes it.
    """
    if is_postgresql(engine):
        return
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        connection.close()

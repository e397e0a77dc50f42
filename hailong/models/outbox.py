from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class OutboxState(StrEnum):
    # Waiting for its first attempt or, after a failed one, for its next.
    pending = "pending"
    # Taken by a worker until available_at (its lease); after that any worker may take it again.
    sending = "sending"
    sent = "sent"
    # Given up: a permanent refusal, or every attempt used. `hailong outbox retry` re-queues.
    failed = "failed"


# The states a worker may still take a message in; also what holds back a later message
# of the same ordering key.
OPEN_STATES = (OutboxState.pending, OutboxState.sending)
_OPEN = text("state IN ('pending', 'sending')")


class OutboxMessage(Base):
    """A message to send after the transaction that caused it commits (a chat reply, an e-mail
    invitation, an alert), written in that same transaction and sent by `hailong worker`."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # A producer that enqueues the same message twice (a redelivered webhook, a re-run
        # import) gets one row: the key is the producer's name for the message. The key
        # first: led by the channel, the index would tempt SQLite's planner away from the
        # claim's own index.
        UniqueConstraint("idempotency_key", "channel"),
        # What the claim walks, in its order, stopping at its limit: open messages by the
        # time they may be taken.
        Index(
            "ix_outbox_message_open_available_at",
            "available_at",
            "id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        # "Is an earlier message of this recipient still open?", asked for every candidate.
        Index(
            "ix_outbox_message_open_ordering_key",
            "ordering_key",
            "id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A channel code of the registry (telegram, zalo, email...): which sender sends it.
    channel: Mapped[str] = mapped_column(String(16))
    # What the message is, for people and for the sender (reply, invitation, alert...).
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # Messages sharing a key go out one after another, in the order they were queued: a
    # chat's questions. A keyed hash of the recipient, never the recipient itself.
    ordering_key: Mapped[str | None] = mapped_column(String(128))
    # The personal data needed only to send (a chat id, an e-mail address): erased once the
    # message is sent or has finally failed.
    recipient: Mapped[str | None] = mapped_column(String(320))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.pending)
    # Attempts begun, counting the one in progress.
    attempts: Mapped[int] = mapped_column(default=0)
    # When a worker may take it: its next attempt, or the end of the current worker's lease.
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    # host:pid of the worker that took it last (no personal data).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it was sent or given up.
    finished_at: Mapped[datetime | None]
    # When its recipient was erased (None while it is still held, or if it never had one).
    erased_at: Mapped[datetime | None]

"""A message is queued if and only if the transaction that caused it commits, and once."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import unit_of_work
from hailong.models import OutboxMessage, OutboxState, Unit
from hailong.outbox import Enqueued, enqueue
from tests.factories import make_unit


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def invite(session: Session, key: str = "invitation:HS-2026-000123", **changes: object) -> int:
    values: dict[str, object] = {
        "channel": "email",
        "kind": "invitation",
        "recipient": "nguyen.van.a@example.vn",
        "payload": {"dossier": "HS-2026-000123"},
        "idempotency_key": key,
    }
    values.update(changes)
    return enqueue(session, **values).id  # type: ignore[arg-type]


def count_from_outside(engine: Engine) -> int:
    """Read on a connection of its own without taking SQLite's write lock (our sessions begin
    with BEGIN IMMEDIATE, which would wait for the open transaction)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*) FROM outbox_message")
        row = cursor.fetchone()
        assert row is not None
        return int(row[0])
    finally:
        connection.close()


class TestInTheCallersTransaction:
    def test_a_rolled_back_transaction_leaves_no_message(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with pytest.raises(RuntimeError), unit_of_work(sessions) as session:
            make_unit(session)
            invite(session)
            raise RuntimeError("the answer could not be stored")
        assert count(sessions) == 0
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Unit)) == 0

    def test_a_committed_transaction_leaves_the_message_and_what_caused_it(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with unit_of_work(sessions) as session:
            make_unit(session)
            message_id = invite(session)
        with sessions() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            assert message.state == OutboxState.pending
            assert message.attempts == 0
            assert message.recipient == "nguyen.van.a@example.vn"
            assert session.scalar(select(func.count()).select_from(Unit)) == 1

    def test_enqueue_does_not_commit(self, sessions: sessionmaker[Session], engine: Engine) -> None:
        session = sessions()
        try:
            invite(session)
            # Not committed: a worker's connection cannot see it yet.
            assert count_from_outside(engine) == 0
            session.commit()
        finally:
            session.close()
        assert count_from_outside(engine) == 1


class TestIdempotencyKey:
    def test_the_same_key_twice_queues_one_message(self, sessions: sessionmaker[Session]) -> None:
        def invite_once() -> Enqueued:
            with unit_of_work(sessions) as session:
                return enqueue(
                    session,
                    channel="email",
                    kind="invitation",
                    recipient="a@example.vn",
                    payload={},
                    idempotency_key="invitation:1",
                )

        first, again = invite_once(), invite_once()
        assert first.created and not again.created
        assert again.id == first.id
        assert count(sessions) == 1

    def test_the_same_key_on_another_channel_is_another_message(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with unit_of_work(sessions) as session:
            email = invite(session, key="k")
            zalo = invite(session, key="k", channel="zalo", recipient="8412345678901234567")
        assert email != zalo
        assert count(sessions) == 2

    def test_a_value_too_long_for_its_column_is_refused_without_showing_it(
        self, sessions: sessionmaker[Session]
    ) -> None:
        address = "x" * 400 + "@example.vn"
        with sessions() as session, pytest.raises(ValueError) as refused:
            invite(session, recipient=address)
        assert "recipient" in str(refused.value)
        assert address not in str(refused.value)

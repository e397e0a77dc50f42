"""SQLite's one write lock: a page being read never waits for an answer being stored, and the
answers of one process are stored one after another without sleeping in SQLite's busy loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import make_engine, make_sessionmaker, unit_of_work
from hailong.models import InboundEvent
from hailong.models.base import utcnow


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(sqlite_engine)


def store_event(session: Session, event_id: str) -> None:
    session.execute(
        insert(InboundEvent).values(channel="test", event_id=event_id, received_at=utcnow())
    )


def events(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions, read_only=True) as session:
        return session.scalar(select(func.count()).select_from(InboundEvent)) or 0


class TestReadsAndWrites:
    def test_a_read_goes_on_while_a_write_is_open(
        self, sqlite_sessions: sessionmaker[Session]
    ) -> None:
        with unit_of_work(sqlite_sessions) as writer:
            store_event(writer, "1")
            started = time.monotonic()
            assert events(sqlite_sessions) == 0  # the snapshot before the write commits
            assert time.monotonic() - started < 2

        assert events(sqlite_sessions) == 1

    def test_writers_of_one_process_all_store_their_answer(
        self, sqlite_sessions: sessionmaker[Session]
    ) -> None:
        failures: list[BaseException] = []

        def write(number: int) -> None:
            try:
                for step in range(10):
                    with unit_of_work(sqlite_sessions) as session:
                        store_event(session, f"{number}-{step}")
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert failures == []
        assert events(sqlite_sessions) == 80

    def test_a_failed_write_lets_the_next_one_in(
        self, sqlite_sessions: sessionmaker[Session]
    ) -> None:
        with pytest.raises(RuntimeError), unit_of_work(sqlite_sessions) as session:
            store_event(session, "lost")
            raise RuntimeError("the request failed")

        started = time.monotonic()
        with unit_of_work(sqlite_sessions) as session:
            store_event(session, "kept")

        assert time.monotonic() - started < 2
        assert events(sqlite_sessions) == 1

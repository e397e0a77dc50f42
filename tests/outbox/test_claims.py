"""Claims: several workers never take the same message; a lease that runs out gives it back."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import make_engine, make_sessionmaker, unit_of_work
from hailong.models import OutboxState
from hailong.models.base import utcnow
from hailong.outbox import claims
from hailong.outbox.http import RELAY_CHANNEL
from hailong.settings import Settings
from tests.fakes.relay import FakeRelay
from tests.outbox.conftest import messages, queue_messages, work_until_settled

LEASE = timedelta(seconds=60)


def take(session: Session, limit: int, *, worker: str = "w1", now=None):  # type: ignore[no-untyped-def]
    return claims.claim(
        session,
        channels={RELAY_CHANNEL},
        limit=limit,
        now=now or utcnow(),
        lease=LEASE,
        worker=worker,
    )


ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.mark.postgres
@ON_POSTGRESQL
class TestSkipLockedOnPostgreSQL:
    def test_a_second_claim_passes_over_rows_another_is_claiming(
        self, sessions: sessionmaker[Session]
    ) -> None:
        queue_messages(sessions, 10)
        first = sessions()
        try:
            # The first worker's claim is not committed yet: its rows stay locked.
            mine = take(first, 4, worker="w1")
            with unit_of_work(sessions) as second:
                # Waiting for the first worker's locks would fail here rather than hang.
                second.execute(text("SET LOCAL lock_timeout = '2s'"))
                theirs = take(second, 10, worker="w2")
            first.commit()
        finally:
            first.close()
        assert len(mine) == 4 and len(theirs) == 6
        assert not {m.id for m in mine} & {m.id for m in theirs}

    def test_two_workers_never_claim_the_same_message(
        self, database_url: str, relay: FakeRelay, settings: Settings
    ) -> None:
        engines = [make_engine(database_url) for _ in range(2)]
        try:
            both = [make_sessionmaker(e) for e in engines]
            keys = queue_messages(both[0], 300)
            with ThreadPoolExecutor(2) as pool:
                runs = [pool.submit(work_until_settled, settings, s, concurrency=8) for s in both]
                totals = [run.result()[0] for run in runs]
            assert relay.delivered() == dict.fromkeys(keys, 1)
            assert sum(relay.requests.values()) == 300
            assert sum(t.sent for t in totals) == 300
            assert all(t.sent > 0 for t in totals), "one worker did all the work"
            assert {m.attempts for m in messages(both[0]).values()} == {1}
        finally:
            for engine in engines:
                engine.dispose()


class TestClaimsOneAtATime:
    def test_concurrent_claims_take_each_message_once(
        self, database_url: str, sessions: sessionmaker[Session]
    ) -> None:
        # On SQLite the claims queue for the write lock; on PostgreSQL they skip each other.
        queue_messages(sessions, 60)
        start = threading.Barrier(6)

        def claim_some(worker: int) -> list[int]:
            engine = make_engine(database_url)
            try:
                taken: list[int] = []
                start.wait()
                for _ in range(5):
                    with unit_of_work(make_sessionmaker(engine)) as session:
                        taken += [m.id for m in take(session, 3, worker=f"w{worker}")]
                return taken
            finally:
                engine.dispose()

        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(claim_some, range(6)))
        every = [message_id for taken in results for message_id in taken]
        assert len(every) == len(set(every)) == 60


class TestLease:
    def test_a_message_is_taken_again_only_after_its_lease(
        self, sessions: sessionmaker[Session]
    ) -> None:
        queue_messages(sessions, 1)
        now = utcnow()
        with unit_of_work(sessions) as session:
            [first] = take(session, 5, now=now)
        with unit_of_work(sessions) as session:
            assert take(session, 5, now=now + LEASE - timedelta(seconds=1)) == []
        with unit_of_work(sessions) as session:
            [again] = take(session, 5, worker="w2", now=now + LEASE + timedelta(seconds=1))
        assert (first.id, first.attempt, again.attempt) == (again.id, 1, 2)
        assert again.idempotency_key == first.idempotency_key
        # The first worker comes back to record its outcome: the claim is no longer its own.
        with unit_of_work(sessions) as session:
            assert not claims.record_sent(session, first, now=utcnow())
            assert claims.record_sent(session, again, now=utcnow())

    def test_a_message_abandoned_on_its_last_attempt_fails_instead_of_looping(
        self, sessions: sessionmaker[Session]
    ) -> None:
        [key] = queue_messages(sessions, 1)
        now = utcnow()
        for attempt in range(3):
            with unit_of_work(sessions) as session:
                later = now + (LEASE + timedelta(seconds=1)) * attempt
                claims.give_up_abandoned(session, now=later, max_attempts=3, keep_recipient=False)
                assert len(take(session, 1, now=later)) == 1
        with unit_of_work(sessions) as session:
            later = now + (LEASE + timedelta(seconds=1)) * 3
            assert (
                claims.give_up_abandoned(session, now=later, max_attempts=3, keep_recipient=False)
                == 1
            )
        message = messages(sessions)[key]
        assert message.state == OutboxState.failed
        assert message.last_error == claims.ABANDONED
        assert message.recipient is None

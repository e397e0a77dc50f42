"""Reference data cached in each app process: a change made by another process (a command, a
second app process) is seen by the next request, never a stale answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts.scope import console_actor
from hailong.audit.service import Who
from hailong.counters import scoped as counters
from hailong.counters.service import ReplacedCounterCode, RevokedCounterCode
from hailong.db import make_engine, make_sessionmaker, unit_of_work
from hailong.models import Counter, Period
from hailong.periods.service import PeriodClosed, today_in_vietnam
from hailong.survey import service as survey
from hailong.survey.entries import CounterCode
from tests.survey.session import SECRET, Office, browser, seed_office


@pytest.fixture
def other_process(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A second app process's sessions: its own engine and its own cache."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def office(sessions: sessionmaker[Session]) -> Office:
    with unit_of_work(sessions) as session:
        return seed_office(session)


def counted(engine: Engine) -> list[str]:
    statements: list[str] = []
    event.listen(
        engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0])
    )
    return statements


BASE = "https://khaosat.example.gov.vn"


class TestAnotherProcessChangesReferenceData:
    def test_a_rotation_elsewhere_refuses_the_old_code_at_the_next_request(
        self, sessions: sessionmaker[Session], other_process: sessionmaker[Session], office: Office
    ) -> None:
        with unit_of_work(sessions) as session:  # cached here
            survey.visit(session, CounterCode(token=office.token))
        with unit_of_work(other_process) as session:
            counters.rotate_counter(
                session, console_actor(), office.counter.id, by=Who.console(), base_url=BASE
            )

        with pytest.raises(ReplacedCounterCode), unit_of_work(sessions) as session:
            survey.visit(session, CounterCode(token=office.token))

    def test_a_revocation_elsewhere_stops_an_answer(
        self, sessions: sessionmaker[Session], other_process: sessionmaker[Session], office: Office
    ) -> None:
        citizen = browser()
        with unit_of_work(sessions) as session:
            started = survey.start(session, CounterCode(token=office.token), citizen, secret=SECRET)
            survey.answer_page(session, started.state, "screening", {"received_result": ["yes"]})
        with unit_of_work(other_process) as session:
            counters.revoke_counter(
                session, console_actor(), office.counter.id, by=Who.console(), base_url=BASE
            )

        with pytest.raises(RevokedCounterCode), unit_of_work(sessions) as session:
            state = survey.resume_browser(
                session,
                public_id=started.state.response.public_id,
                resume_key=citizen.resume_key,
                counter_id=office.counter.id,
                for_update=True,
            )
            assert state is not None
            survey.ensure_may_answer(session, state)

    def test_a_period_closed_by_plain_sql_elsewhere_is_seen_too(
        self, sessions: sessionmaker[Session], other_process: sessionmaker[Session], office: Office
    ) -> None:
        with unit_of_work(sessions) as session:
            survey.visit(session, CounterCode(token=office.token))
        yesterday = today_in_vietnam() - timedelta(days=1)
        with other_process.begin() as session:  # a Core UPDATE, no ORM object involved
            session.execute(
                update(Period).where(Period.id == office.period.id).values(end_date=yesterday)
            )

        with pytest.raises(PeriodClosed), unit_of_work(sessions) as session:
            survey.visit(session, CounterCode(token=office.token))


class TestTheCacheSavesRoundTrips:
    def test_a_second_visit_reads_only_the_version(
        self, engine: Engine, sessions: sessionmaker[Session], office: Office
    ) -> None:
        with unit_of_work(sessions) as session:
            survey.visit(session, CounterCode(token=office.token))
        statements = counted(engine)

        with unit_of_work(sessions) as session:
            place = survey.visit(session, CounterCode(token=office.token))

        assert place.counter is not None and place.counter.id == office.counter.id
        assert [s for s in statements if s.upper() == "SELECT"] == ["SELECT"]

    def test_a_change_in_the_same_transaction_is_read_around_the_cache(
        self, sessions: sessionmaker[Session], office: Office
    ) -> None:
        with unit_of_work(sessions) as session:
            survey.visit(session, CounterCode(token=office.token))
            session.execute(
                update(Counter).where(Counter.id == office.counter.id).values(active=False)
            )

            with pytest.raises(RevokedCounterCode):
                survey.visit(session, CounterCode(token=office.token))
            session.rollback()

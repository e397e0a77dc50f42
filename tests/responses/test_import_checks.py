"""The import's foreign-key checks: off for a role that may turn them off (the references are
vouched for and locked), on for any other role, and the stored forms are the same either way."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from hailong.bulk import triggers_off
from hailong.models import Answer, Response
from hailong.responses.importing import import_responses
from hailong.tallies import verify
from tests.conftest import POSTGRES_ADMIN_URL
from tests.responses.forms import setup_units_and_period, varied_form, write_forms


@pytest.fixture
def ordinary_role(database_url: str) -> Iterator[str]:
    """A role with the rights of an application, and no more, in this test's database."""
    role = f"hailong_app_{uuid.uuid4().hex[:10]}"
    database = psycopg.conninfo.conninfo_to_dict(database_url.replace("+psycopg", ""))["dbname"]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}"')
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as owner:
        owner.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
        owner.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    try:
        yield role
    finally:
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as owner:
            owner.execute(f'DROP OWNED BY "{role}"')
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP ROLE "{role}"')
        assert database


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class TestForeignKeyChecks:
    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_sqlite_keeps_its_checks(self, session: Session) -> None:
        with triggers_off(session) as off:
            assert off is False

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_an_ordinary_role_imports_with_every_check(
        self,
        session: Session,
        sessions: sessionmaker[Session],
        ordinary_role: str,
        tmp_path: Path,
    ) -> None:
        period, wards = setup_units_and_period(session)
        rng = random.Random(5)
        forms = [varied_form(n, wards[n % 3].code, rng) for n in range(200)]
        path = write_forms(tmp_path / "f.csv", forms)
        with sessions() as importing:
            importing.execute(text(f'SET LOCAL ROLE "{ordinary_role}"'))
            with triggers_off(importing) as off:
                assert off is False  # refused, and the transaction goes on
            result = import_responses(importing, path)
            importing.commit()
        assert result.ok and result.imported == 200
        assert count(sessions, Response) == 200
        with sessions() as check:
            assert verify.check(check, period) == []

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_a_role_that_may_turns_them_off_and_back_on(
        self, session: Session, sessions: sessionmaker[Session]
    ) -> None:
        # The test server's role is a superuser, as the bench's is.
        with triggers_off(session) as off:
            assert off is True
            during = session.execute(text("SHOW session_replication_role")).scalar_one()
        after = session.execute(text("SHOW session_replication_role")).scalar_one()
        assert (during, after) == ("replica", "origin")
        # A reference to nothing is refused again once the block is over.
        with pytest.raises(Exception, match="foreign key"):
            session.execute(
                text("INSERT INTO answer (response_id, question_key, answered_at) "
                     "VALUES (-1, 'A1', now())")
            )  # fmt: skip
        session.rollback()
        assert count(sessions, Answer) == 0


class TestStatistics:
    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_a_large_import_leaves_the_planner_up_to_date_statistics(
        self, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        _, wards = setup_units_and_period(session)
        rng = random.Random(8)
        forms = [varied_form(n, wards[n % 3].code, rng) for n in range(150)]
        with sessions() as importing:
            result = import_responses(
                importing, write_forms(tmp_path / "f.csv", forms), analyze_after=100
            )
            importing.commit()
        assert result.imported == 150
        with sessions() as check:
            estimated = dict(
                check.execute(
                    text("SELECT relname, reltuples FROM pg_class WHERE relname IN "
                         "('response', 'answer', 'tally', 'unit_tally')")
                ).tuples().all()
            )  # fmt: skip
            answers = check.scalar(select(func.count()).select_from(Answer))
        # Without ANALYZE these stay at -1 ("never counted") until autovacuum comes round.
        assert estimated["response"] == 150
        assert estimated["answer"] == answers
        assert estimated["tally"] > 0 and estimated["unit_tally"] > 0

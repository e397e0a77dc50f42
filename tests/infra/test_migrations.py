"""Migrations: every revision upgrades, downgrades and upgrades again (the "stairway"), on
SQLite and PostgreSQL, and the newest schema is exactly what the models describe.

Revisions are read from migrations/versions, so a new one is tested the moment it exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from hailong import migrate
from hailong.db import make_engine
from hailong.models import Base
from hailong.tallies import verify
from tests.factories import make_unit
from tests.index.survey import answer_all, index_of, small_period


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.alembic_config())


def revisions_in_order() -> list[Script]:
    return list(reversed(list(script_directory().walk_revisions("base", "heads"))))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it: no tables, no alembic_version."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'stairway.db'}"
    factory: Callable[[], str] = request.getfixturevalue("postgres_database_factory")
    return factory()


@pytest.fixture
def engine_for(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


class TestRevisionHistory:
    def test_history_is_one_line(self) -> None:
        # Two revisions on the same parent (two branches merged without a merge revision)
        # make `hailong db upgrade` refuse to run.
        assert len(script_directory().get_heads()) == 1


class TestStairway:
    def test_each_revision_upgrades_downgrades_and_upgrades_again(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        scripts = revisions_in_order()
        assert scripts, "no migrations found"
        for script in scripts:
            where = f"revision {script.revision} ({script.doc})"
            migrate.upgrade(empty_database_url, script.revision)
            assert current_revision(engine_for) == script.revision, where
            schema = tables(engine_for)
            migrate.downgrade(empty_database_url, "-1")
            assert current_revision(engine_for) == script.down_revision, where
            migrate.upgrade(empty_database_url, script.revision)
            assert current_revision(engine_for) == script.revision, where
            assert tables(engine_for) == schema, where

    def test_downgrade_to_base_leaves_no_table(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        migrate.upgrade(empty_database_url)
        assert tables(engine_for) >= {t.name for t in Base.metadata.sorted_tables}
        migrate.downgrade(empty_database_url, "base")
        assert tables(engine_for) <= {"alembic_version"}


class TestSchemaMatchesModels:
    def test_migrated_schema_has_no_difference_from_the_models(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        migrate.upgrade(empty_database_url)
        with engine_for.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": connection.dialect.name == "sqlite",
                },
            )
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], "models and migrations differ: add a revision (hailong db ...)"

    def test_upgrade_twice_changes_nothing(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        command.upgrade(migrate.alembic_config(empty_database_url), "head")
        head = current_revision(engine_for)
        command.upgrade(migrate.alembic_config(empty_database_url), "head")
        assert current_revision(engine_for) == head == script_directory().get_current_head()


class TestPackedTallies:
    """0004 changed the tallies' layout: the upgrade refills them from the raw answers."""

    def test_upgrade_from_0003_refills_the_tallies_from_the_answers(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        migrate.upgrade(empty_database_url)
        forms = [{"A1": "5", "B1": "4"}, {"A1": "2", "B1": "5"}, {"A1": "4", "B1": None}]
        with Session(engine_for, expire_on_commit=False) as session, session.begin():
            period = small_period(session, "before-0004", {"A": ("A1",), "B": ("B1",)})
            unit = make_unit(session, code="X")
            answer_all(session, period, unit, forms)
        with Session(engine_for) as session:
            before = index_of(session, period, unit)
        assert before["responses"] == 3
        # Back to the old layout (its tallies empty), then up again as an operator would.
        migrate.downgrade(empty_database_url, "0003")
        migrate.upgrade(empty_database_url)

        with Session(engine_for) as session:
            assert verify.check(session, period) == []
        with Session(engine_for) as session:
            assert index_of(session, period, unit) == before


class TestUnratedForms:
    """0005 leaves out of the counts the finished forms that rate no criterion."""

    def test_the_upgrade_finds_them_among_the_completed_and_refills_the_tallies(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        migrate.upgrade(empty_database_url)
        forms = [{"A1": "5", "B1": "4"}, {"A1": None, "B1": None}]
        with Session(engine_for, expire_on_commit=False) as session, session.begin():
            period = small_period(session, "before-0005", {"A": ("A1",), "B": ("B1",)})
            unit = make_unit(session, code="X")
            answer_all(session, period, unit, forms)
        # Before this revision both were completed, and both counted.
        migrate.downgrade(empty_database_url, "0004")
        assert statuses(engine_for) == ["completed", "completed"]

        migrate.upgrade(empty_database_url)

        assert statuses(engine_for) == ["completed", "unrated"]
        with Session(engine_for) as session:
            assert verify.check(session, period) == []
        with Session(engine_for) as session:
            found = index_of(session, period, unit)
        assert (found["responses"], found["unrated"]) == (1, 1)


def statuses(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT status FROM response ORDER BY id")))


class TestReviewStates:
    """0009 names review states as ODK Central does: pending becomes received, and a period
    that counted undecided responses counts has_issues too; the index does not move."""

    def test_pending_becomes_received_and_the_counts_stay(
        self, empty_database_url: str, engine_for: Engine
    ) -> None:
        migrate.upgrade(empty_database_url)
        forms = [{"A1": "5", "B1": "4"}, {"A1": "2", "B1": "3"}]
        with Session(engine_for, expire_on_commit=False) as session, session.begin():
            period = small_period(session, "before-0009", {"A": ("A1",), "B": ("B1",)})
            unit = make_unit(session, code="X")
            answer_all(session, period, unit, forms)
        with Session(engine_for) as session:
            before = index_of(session, period, unit)
        migrate.downgrade(empty_database_url, "0007")
        with engine_for.connect() as connection:
            states = connection.scalars(text("SELECT DISTINCT review_state FROM unit_tally"))
            assert list(states) == ["pending"]
        assert review_states(engine_for) == ["pending", "pending"]

        migrate.upgrade(empty_database_url)

        assert review_states(engine_for) == ["received", "received"]
        with engine_for.connect() as connection:
            counted = connection.scalar(text("SELECT counted_review_states FROM period"))
        listed = counted if isinstance(counted, list) else json.loads(counted)
        assert sorted(listed) == ["approved", "has_issues", "received"]
        with Session(engine_for) as session:
            assert verify.check(session, period) == []
            assert index_of(session, period, unit) == before


def review_states(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT review_state FROM response ORDER BY id")))

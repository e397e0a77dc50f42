"""Downloads are tested on the province of tests/reports/dataset.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from tests.reports.dataset import Dataset, build

Hailong = Callable[..., Result]


@pytest.fixture
def dataset(sessions: sessionmaker[Session]) -> Dataset:
    """The province, committed, so that the command line sees it too."""
    with sessions.begin() as session:
        return build(session)


@pytest.fixture
def hailong(database_url: str) -> Hailong:
    """Run `hailong ARGS...` in-process against this test's database."""
    app = build_cli()
    # Only our settings: a developer's own HAILONG_* variables must not leak into a test.
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    env.update(HAILONG_DATABASE_URL=database_url)

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return run

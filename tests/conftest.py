"""Shared fixtures: real SQLite and PostgreSQL databases (never mocks), real Redis.

With CI=true a missing PostgreSQL or Redis fails the run; on a developer's machine it skips.
Each pytest run makes its own PostgreSQL database, so parallel runs never meet.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram.loading import load_aiogram
from hailong import migrate
from hailong.db import make_engine, make_sessionmaker
from hailong.i18n import Catalogs
from hailong.models import Base
from hailong.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("HAILONG_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("HAILONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-not-for-production"


def pytest_configure(config: pytest.Config) -> None:
    # Before any test module builds a catalog: a msgid looked up in a domain that does not
    # hold it fails the test, instead of showing English to a Vietnamese reader.
    Catalogs.strict = True
    # The way the app imports aiogram (its models built on first use), before any test
    # module imports it the ordinary way.
    load_aiogram()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, error: Exception) -> None:
    message = f"{what} is unreachable: {error}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as error:
        unavailable("PostgreSQL", error)
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_database_factory(postgres_server: str) -> Iterator[object]:
    """Creates empty PostgreSQL databases for this run and drops them all at the end."""
    created: list[str] = []

    def create() -> str:
        name = f"hailong_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _with_database(postgres_server, name)

    yield create
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_migrated_url(postgres_database_factory) -> str:  # type: ignore[no-untyped-def]
    url = postgres_database_factory()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: every storage test runs once on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "hailong.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite database, for tests that are not about storage."""
    path = tmp_path / "hailong.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session
        session.rollback()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://testserver",
        redis_url=None,
    )


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    finally:
        client.close()
    return REDIS_TEST_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, so parallel runs share one Redis safely."""
    prefix = f"hailong-test:{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()

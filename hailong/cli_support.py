"""What every `hailong` subcommand shares: the settings built once, a lazy database, and one
runner that turns an expected failure into a polite message and exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from typer.core import TyperGroup

from hailong.db import make_engine, make_sessionmaker, normalise_url, unit_of_work
from hailong.errors import HailongError
from hailong.i18n import N_, Catalogs
from hailong.settings import Settings, load_settings

NOT_MIGRATED = N_(
    "The database has no tables yet, or they are from an older version: "
    "run `hailong db upgrade` first."
)
UNREACHABLE = N_(
    "The database could not be reached, or stopped answering ({kind}); nothing was saved. "
    "Check HAILONG_DATABASE_URL and that the database is running."
)
DATABASE_AT = N_("Database: {where}")
# SQLSTATE of "undefined table" on PostgreSQL.
UNDEFINED_TABLE = "42P01"


class NoDatabase(HailongError):
    message = N_(
        "There is no database at {path}. Run `hailong db upgrade` (or `hailong demo`) to "
        "create it there, or set HAILONG_DATABASE_URL to where the database is."
    )


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and for memory)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).resolve()


def database_location(url: str) -> str:
    """Where the database is, for a person: a SQLite file's full path, or the URL without
    its password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


@dataclass
class CliContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.existing_database())
        return self._engine

    def existing_database(self) -> str:
        """The database URL, refused when it names a SQLite file that does not exist: opening
        it would silently create an empty database wherever the command happened to run.
        Only `hailong db upgrade` and the demo create one."""
        path = sqlite_file(self.settings.database_url)
        if path is not None and not path.exists():
            raise NoDatabase(path=path)
        return self.settings.database_url

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
            if self.settings.redis_url:
                # A command that reviews or imports responses nudges open progress pages, as
                # the web app does; without Redis no page could hear this process anyway.
                # Imported here: only commands that open the database pay for redis's import.
                from hailong.live.notices import RedisNotices, publish_after_commit

                notices = RedisNotices(self.settings.redis_url, self.settings.redis_prefix)
                publish_after_commit(self._sessions, notices)
        return self._sessions

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One command, one transaction: all or nothing."""
        with unit_of_work(self.sessions) as session:
            yield session


def cli_context(ctx: typer.Context) -> CliContext:
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):
        root.obj = CliContext(settings=load_settings())
    return root.obj


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a message for the operator on stderr and return the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def say_where_the_database_is(settings: Settings) -> None:
    """For the commands that start a server: which database it will use."""
    where = database_location(settings.database_url)
    typer.echo(Catalogs("admin").both(DATABASE_AT, where=where), err=True)


class Commands(TyperGroup):
    """The root of `hailong`, and so the runner of every command: an expected failure (a
    HailongError, a database without tables or out of reach) ends as one polite message on
    stderr, Vietnamese then English, and exit code 1, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HailongError as error:
            raise fail(error.both()) from None
        except DBAPIError as error:
            message = database_trouble(error)
            if message is None:
                raise
            raise fail(message) from None


def database_trouble(error: DBAPIError) -> str | None:
    """What an operator should read when the database lacks its tables or is down (never the
    URL: it may hold a password); None for any other error, whose traceback is wanted."""
    catalogs = Catalogs("admin")
    original = error.orig
    if getattr(original, "sqlstate", None) == UNDEFINED_TABLE or "no such table" in str(original):
        return catalogs.both(NOT_MIGRATED)
    if isinstance(error, OperationalError):
        return catalogs.both(UNREACHABLE, kind=type(original).__name__)
    return None

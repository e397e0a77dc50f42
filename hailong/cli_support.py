"""What every `hailong` subcommand shares: the settings built once, and a lazy database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import make_engine, make_sessionmaker, unit_of_work
from hailong.settings import Settings


@dataclass
class CliContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
        return self._sessions

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One command, one transaction: all or nothing."""
        with unit_of_work(self.sessions) as session:
            yield session


def cli_context(ctx: typer.Context) -> CliContext:
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):
        root.obj = CliContext(settings=Settings())
    return root.obj


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a message for the operator on stderr and return the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)

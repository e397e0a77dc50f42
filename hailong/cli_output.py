"""How administration commands print: a readable table for people, JSON for scripts.

Listings go to stdout; progress bars go to stderr so `--format json > file` stays clean.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hailong.errors import BadInput, HailongError
from hailong.i18n import N_

# Wide enough that survey URLs are not folded when the output is piped into a file.
PIPED_WIDTH = 240


class WrongFileType(BadInput):
    message = N_("The file name must end in {suffixes}.")


class CannotWrite(HailongError):
    message = N_("Could not write {path}: {reason}")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(
    OutputFormat.table, "--format", help="table for people, json for scripts."
)


def _stdout() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=PIPED_WIDTH)
    return console


def print_json(data: Any) -> None:
    """Indented for a person at a terminal; one compact line for a script or a file, since
    Python's indenting encoder is pure Python: the national index took 1.9 s that way and
    0.4 s in C, at a third of the size."""
    indent = 2 if sys.stdout.isatty() else None
    typer.echo(json.dumps(data, ensure_ascii=False, indent=indent, default=str))


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    output: OutputFormat,
) -> None:
    """Rows as JSON (exactly their keys) or as a table with the given (key, heading) columns."""
    if output is OutputFormat.json:
        print_json([dict(row) for row in rows])
        return
    table = Table(show_lines=False)
    for _key, heading in columns:
        table.add_column(heading, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key, _heading in columns))
    _stdout().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


class Advance(Protocol):
    def __call__(self, steps: int = 1) -> None: ...


@contextmanager
def progress_bar(
    description: str, total: int | None, *, lines_when_piped: bool = False
) -> Iterator[Advance]:
    """A rich progress bar on stderr. When stderr is not a terminal (scripts, cron, tests) it
    is silent, or with `lines_when_piped` prints a plain "description: done/total" line at
    every tenth of the way, so a long run's log still shows how far it got."""
    console = Console(stderr=True)
    if lines_when_piped and not console.is_terminal:
        yield _progress_lines(description, total)
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)

        def advance(steps: int = 1) -> None:
            progress.advance(task, steps)

        yield advance


def _progress_lines(description: str, total: int | None) -> Advance:
    done = 0
    tenths = 0

    def advance(steps: int = 1) -> None:
        nonlocal done, tenths
        done += steps
        reached = 10 if not total else min(10, done * 10 // total)
        if total is None or reached > tenths:
            tenths = reached
            shown = f"{done}/{total}" if total else str(done)
            typer.echo(f"{description}: {shown}", err=True)

    return advance


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temporary file beside `path`, renamed over it only if the block succeeds: a failed
    run never leaves half a file where the operator expects a whole one, and two runs
    writing the same name never share a temporary file."""
    handle, temporary = tempfile.mkstemp(dir=path.resolve().parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def file_type(path: Path, allowed: tuple[str, ...]) -> str:
    """The kind of file asked for, by its name's suffix (".csv", ".pdf"...), lower case."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise WrongFileType(suffixes=" / ".join(allowed))
    return suffix


@contextmanager
def output_file(path: Path) -> Iterator[BinaryIO]:
    """`atomic_file`, with a polite error when the file cannot be written (no such folder, no
    permission, a full disk)."""
    try:
        with atomic_file(path) as out:
            yield out
    except OSError as error:
        # strerror is the system's own words ("No such file or directory"), English only.
        raise CannotWrite(path=path, reason=error.strerror or error) from None

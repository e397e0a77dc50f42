"""`hailong audit`: the audit log, oldest first, streamed (it only grows)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from datetime import datetime

import typer

from hailong.audit.service import Line, in_vietnam, lines
from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_rows
from hailong.cli_support import cli_context
from hailong.i18n import N_, Catalogs
from hailong.responses.exporting import start_of_day
from hailong.units.service import unit_by_code

WHEN = N_("When")
WHO = N_("Who")
WHAT = N_("Action")
UNIT = N_("Unit")
TARGET = N_("Target")
COMMENT = N_("Comment")
ADDRESS = N_("Address")
# A table per this many lines, so a long log prints as it is read.
TABLE_ROWS = 500


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)


def audit_command(
    ctx: typer.Context,
    unit: str | None = typer.Option(None, "--unit", help="Only this unit and those below it."),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="From this day on (YYYY-MM-DD, Vietnam)."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List the audit log: who did what, when, on which unit, and why."""
    catalogs = Catalogs("messages")
    with cli_context(ctx).transaction() as session:
        found = None if unit is None else unit_by_code(session, unit)
        stream = lines(session, unit=found, since=start_of_day(since.date()) if since else None)
        if output is OutputFormat.json:
            _print_json(stream)
        else:
            _print_tables(stream, catalogs)


def _print_json(stream: Iterable[Line]) -> None:

    typer.echo("[", nl=False)
    for index, line in enumerate(stream):
        typer.echo(
            ("," if index else "") + json.dumps(line.as_dict(), ensure_ascii=False), nl=False
        )
    typer.echo("]")


def _print_tables(stream: Iterable[Line], catalogs: Catalogs) -> None:
    both = catalogs.both
    columns = [
        ("at", both(WHEN)),
        ("actor", both(WHO)),
        ("action", both(WHAT)),
        ("unit_code", both(UNIT)),
        ("target", both(TARGET)),
        ("comment", both(COMMENT)),
        ("address", both(ADDRESS)),
    ]
    iterator = iter(stream)
    while chunk := list(itertools.islice(iterator, TABLE_ROWS)):
        rows = [
            {**line.as_dict(), "at": in_vietnam(line.at).strftime("%d/%m/%Y %H:%M:%S")}
            for line in chunk
        ]
        print_rows(rows, columns, OutputFormat.table)

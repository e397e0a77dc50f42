"""`hailong procedures`: list procedures, and `hailong procedures import FILE.csv`."""

from __future__ import annotations

from pathlib import Path

import typer

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows, progress_bar
from hailong.cli_support import cli_context
from hailong.i18n import N_
from hailong.procedures import importing
from hailong.procedures.service import procedures_at
from hailong.units.cli import admin_catalogs, rejected
from hailong.units.importing import ImportRejected

PROCEDURES_STORED = N_("Procedures: {created} created, {updated} updated, {unchanged} unchanged.")
CHECKING = N_("Checking")
CODE = N_("Code")
NAME = N_("Name")
FIELD = N_("Field")


def register(app: typer.Typer) -> None:
    procedures_app = typer.Typer(
        help="Administrative procedures (thủ tục hành chính).", invoke_without_command=True
    )
    app.add_typer(procedures_app, name="procedures")
    procedures_app.callback()(list_procedures)
    procedures_app.command("import")(import_procedures)


def list_procedures(
    ctx: typer.Context,
    unit: str | None = typer.Option(None, "--unit", help="Only what this unit offers."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List procedures (code, name, field); with --unit, those a citizen can pick there."""
    if ctx.invoked_subcommand is not None:
        return
    catalogs = admin_catalogs()
    with cli_context(ctx).transaction() as session:
        procedures = procedures_at(session, unit)
    rows = [{"code": p.code, "name": p.name, "field": p.field} for p in procedures]
    columns = [
        ("code", catalogs.both(CODE)),
        ("name", catalogs.both(NAME)),
        ("field", catalogs.both(FIELD)),
    ]
    print_rows(rows, columns, output)


def import_procedures(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV: code,name,field,unit_code"
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Load procedures from a CSV file, all or nothing; unit_code empty = every unit."""
    catalogs = admin_catalogs()
    with cli_context(ctx).transaction() as session:
        try:
            with progress_bar(catalogs.both(CHECKING), file.stat().st_size) as advance:
                summary = importing.import_file(session, file, progress=advance)
        except ImportRejected as error:
            raise rejected(error) from None
    if output is OutputFormat.json:
        print_json(summary.as_dict())
    else:
        typer.echo(catalogs.both(PROCEDURES_STORED, **summary.as_dict()))

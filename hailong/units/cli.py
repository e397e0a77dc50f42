"""`hailong import units` and `hailong units`: the tree of administrative units."""

from __future__ import annotations

from pathlib import Path

import typer

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows, progress_bar
from hailong.cli_support import cli_context, fail
from hailong.i18n import N_, Catalogs
from hailong.units import official
from hailong.units.importing import (
    ImportRejected,
    ImportSummary,
    check_file,
    store_units,
    valid_rows,
)
from hailong.units.service import unit_rows

NOTHING_STORED = N_("Nothing was stored: {count} bad rows. Correct them and import the file again.")
UNITS_STORED = N_("Units: {created} created, {updated} updated, {unchanged} unchanged.")
FILE_OR_OFFICIAL = N_("Give either a CSV file or --official, not both and not neither.")
PROVINCE_NEEDS_OFFICIAL = N_("--province goes with --official.")
CHECKING = N_("Checking")
STORING = N_("Storing")
CODE = N_("Code")
NAME = N_("Name")
LEVEL = N_("Level")
PARENT = N_("Parent")
ACTIVE = N_("Active")


def admin_catalogs() -> Catalogs:
    return Catalogs("admin")


def rejected(error: ImportRejected) -> typer.Exit:
    """Every bad row on stderr, Vietnamese first, each in the domain that words it (units,
    procedures and counters share this), then the exit to raise."""
    catalogs = admin_catalogs()
    worded = {catalogs.domain: catalogs}
    for problem in error.problems:
        if problem.domain not in worded:
            worded[problem.domain] = Catalogs(problem.domain)
        line = worded[problem.domain].both(problem.message, line=problem.line, **problem.params)
        typer.echo(line, err=True)
    return fail(catalogs.both(NOTHING_STORED, count=len(error.problems)))


def print_summary(catalogs: Catalogs, summary: ImportSummary, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        print_json(summary.as_dict())
    else:
        typer.echo(catalogs.both(UNITS_STORED, **summary.as_dict()))


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    import_app.command("units")(import_units)
    app.command("units")(list_units)


def import_units(
    ctx: typer.Context,
    file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, readable=True, help="CSV: code,name,level,parent_code"
    ),
    use_official: bool = typer.Option(
        False, "--official", help="Load the official post-2025 list (34 provinces, 3,321 communes)."
    ),
    province: str | None = typer.Option(
        None, "--province", help="With --official: only this province and its communes."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Load units from a CSV file, all or nothing, or from the official national list."""
    catalogs = admin_catalogs()
    if (file is None) == (not use_official):
        raise fail(catalogs.both(FILE_OR_OFFICIAL))
    if province is not None and not use_official:
        raise fail(catalogs.both(PROVINCE_NEEDS_OFFICIAL))
    context = cli_context(ctx)
    with context.transaction() as session:
        if file is not None:
            try:
                with progress_bar(catalogs.both(CHECKING), file.stat().st_size) as advance:
                    plan = check_file(session, file, progress=advance)
            except ImportRejected as error:
                raise rejected(error) from None
            with progress_bar(catalogs.both(STORING), len(plan.lines)) as advance:
                summary = store_units(session, valid_rows(file), plan.parents, progress=advance)
        else:
            chosen = official.find_province(province) if province is not None else None
            with progress_bar(catalogs.both(STORING), official.count_rows(chosen)) as advance:
                summary = official.import_official(session, province=chosen, progress=advance)
    print_summary(catalogs, summary, output)


def list_units(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """List every unit: code, name, level and the parent's code."""
    catalogs = admin_catalogs()
    with cli_context(ctx).transaction() as session:
        rows = unit_rows(session)
    if output is OutputFormat.json:
        # Scripts read the tree; whether a unit still takes surveys is for people.
        for row in rows:
            del row["active"]
    columns = [
        ("code", catalogs.both(CODE)),
        ("name", catalogs.both(NAME)),
        ("level", catalogs.both(LEVEL)),
        ("parent_code", catalogs.both(PARENT)),
        ("active", catalogs.both(ACTIVE)),
    ]
    print_rows(rows, columns, output)

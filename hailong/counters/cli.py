"""`hailong counters`: list active counters (quầy) with their survey URLs; `counters add`,
`rotate` and `revoke`."""

from __future__ import annotations

import typer

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows
from hailong.cli_support import cli_context
from hailong.counters.service import (
    add_counter_at,
    counter_row,
    counter_rows,
    revoke_counter,
    rotate_counter,
    survey_url,
)
from hailong.i18n import N_, Catalogs
from hailong.units.service import unit_by_code

COUNTER_ADDED = N_("Counter {name} added at {unit}.")
ROTATED = N_(
    "New QR code for {counter} ({unit}): {url} (short code {short_code}). "
    "Print the new poster; the old one now says that it was replaced."
)
REVOKED = N_("{counter} ({unit}) is revoked: its QR code and short code no longer work.")
ID = N_("Id")
UNIT_CODE = N_("Unit code")
UNIT_NAME = N_("Unit")
NAME = N_("Counter")
SHORT_CODE = N_("Short code")
SURVEY_URL = N_("Survey URL")

COUNTER_OPTION = typer.Option(..., "--counter", help="The counter's id.")


def _catalogs() -> Catalogs:
    return Catalogs("messages")


def register(app: typer.Typer) -> typer.Typer:
    counters_app = typer.Typer(
        help="Counters (quầy) and their QR codes.", invoke_without_command=True
    )
    app.add_typer(counters_app, name="counters")
    counters_app.callback()(list_command)
    counters_app.command("add")(add_command)
    counters_app.command("rotate")(rotate_command)
    counters_app.command("revoke")(revoke_command)
    return counters_app


def list_command(
    ctx: typer.Context,
    unit: str | None = typer.Option(None, "--unit", help="Only this unit and the units below it."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List active counters with their short codes and survey URLs."""
    if ctx.invoked_subcommand is not None:
        return
    catalogs = _catalogs()
    context = cli_context(ctx)
    base_url = context.settings.link_base()
    with context.transaction() as session:
        found = None if unit is None else unit_by_code(session, unit)
        rows = counter_rows(session, base_url=base_url, unit=found)
    columns = [
        ("id", catalogs.both(ID)),
        ("unit_code", catalogs.both(UNIT_CODE)),
        ("unit_name", catalogs.both(UNIT_NAME)),
        ("name", catalogs.both(NAME)),
        ("short_code", catalogs.both(SHORT_CODE)),
        ("survey_url", catalogs.both(SURVEY_URL)),
    ]
    print_rows(rows, columns, output)


def add_command(
    ctx: typer.Context,
    unit: str = typer.Option(..., "--unit", help="The unit's code."),
    name: str = typer.Option(..., "--name", help='e.g. "Quầy số 1".'),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Add a counter to a unit; prints its survey URL and short code."""
    context = cli_context(ctx)
    base_url = context.settings.link_base()
    with context.transaction() as session:
        row = counter_row(add_counter_at(session, unit_code=unit, name=name), base_url=base_url)
    if output is OutputFormat.json:
        print_json(row)
        return
    catalogs = _catalogs()
    typer.echo(catalogs.both(COUNTER_ADDED, name=row["name"], unit=row["unit_name"]))
    typer.echo(f"{catalogs.both(SURVEY_URL)}: {row['survey_url']}")
    typer.echo(f"{catalogs.both(SHORT_CODE)}: {row['short_code']}")


def rotate_command(ctx: typer.Context, counter_id: int = COUNTER_OPTION) -> None:
    """Give a counter a new QR code and short code (the old poster then says "replaced")."""
    context = cli_context(ctx)
    base_url = context.settings.link_base()
    with context.transaction() as session:
        live = rotate_counter(session, counter_id)
    message = _catalogs().both(
        ROTATED,
        counter=live.counter.name,
        unit=live.unit.name,
        url=survey_url(base_url, live.token.token),
        short_code=live.token.short_code,
    )
    typer.echo(message)


def revoke_command(ctx: typer.Context, counter_id: int = COUNTER_OPTION) -> None:
    """Take a counter out of service: its QR code and short code stop working."""
    with cli_context(ctx).transaction() as session:
        live = revoke_counter(session, counter_id)
    typer.echo(_catalogs().both(REVOKED, counter=live.counter.name, unit=live.unit.name))

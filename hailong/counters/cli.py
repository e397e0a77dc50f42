"""`hailong counters`: list active counters (quầy) with their survey URLs; `counters add` (one,
or N per unit of a subtree), `counters import`, `rotate` and `revoke`."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.orm import Session

from hailong.accounts.scope import console_actor
from hailong.audit.service import Who
from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows, progress_bar
from hailong.cli_support import cli_context, fail
from hailong.counters import bulk
from hailong.counters.scoped import create_counter, revoke_counter, rotate_counter
from hailong.counters.service import counter_rows
from hailong.i18n import N_, Catalogs, domain_of
from hailong.units.cli import rejected
from hailong.units.importing import ImportRejected
from hailong.units.service import unit_by_code

COUNTER_ADDED = N_("Counter {name} added at {unit}.")
UNITS_FILLED = N_(
    "Counters: {created} added at {units} units; {unchanged} units already had enough."
)
LIST_ADDED = N_(
    "Counters: {created} added at {units} units; {unchanged} of the list were already there."
)
NAME_OR_PER_UNIT = N_(
    "Give either --name (one counter) or --per-unit N (and --subtree for the units below)."
)
ADDING = N_("Adding counters")
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

# The keys of `hailong counters --format json`, for one counter too.
LISTED = ("id", "unit_code", "unit_name", "name", "short_code", "survey_url")
COUNTER_OPTION = typer.Option(..., "--counter", help="The counter's id.")


def _catalogs() -> Catalogs:
    # This module's own words, in the domain that owns its package.
    return Catalogs(domain_of(__name__))


def register(app: typer.Typer) -> typer.Typer:
    counters_app = typer.Typer(
        help="Counters (quầy) and their QR codes.", invoke_without_command=True
    )
    app.add_typer(counters_app, name="counters")
    counters_app.callback()(list_command)
    counters_app.command("add")(add_command)
    counters_app.command("import")(import_command)
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
    name: str | None = typer.Option(None, "--name", help='One counter, e.g. "Quầy số 1".'),
    per_unit: int | None = typer.Option(
        None, "--per-unit", help='Counters "Quầy số 1"… until the unit has N in service.'
    ),
    subtree: bool = typer.Option(
        False, "--subtree", help="With --per-unit: every unit below too that takes surveys."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Add a counter to a unit (prints its survey URL and short code), or with --per-unit N
    bring a unit (--subtree: and every unit below it) up to N counters, in one transaction."""
    catalogs = _catalogs()
    if (name is None) == (per_unit is None) or (subtree and per_unit is None):
        raise fail(catalogs.both(NAME_OR_PER_UNIT), code=2)
    context = cli_context(ctx)
    if per_unit is not None:
        with context.transaction() as session:
            plan = bulk.plan_units(session, unit_code=unit, per_unit=per_unit, subtree=subtree)
            _carry_out(session, plan, catalogs)
        _print_summary(plan, catalogs, output, UNITS_FILLED)
        return
    assert name is not None
    base_url = context.settings.link_base()
    with context.transaction() as session:
        added = create_counter(
            session,
            console_actor(),
            unit_code=unit,
            name=name,
            by=Who.console(),
            base_url=base_url,
        )
    if output is OutputFormat.json:
        print_json({key: getattr(added, key) for key in LISTED})
        return
    typer.echo(catalogs.both(COUNTER_ADDED, name=added.name, unit=added.unit_name))
    typer.echo(f"{catalogs.both(SURVEY_URL)}: {added.survey_url}")
    typer.echo(f"{catalogs.both(SHORT_CODE)}: {added.short_code}")


def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV or XLSX: unit_code,name"
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Add the counters a list names, all or nothing; one already there is left alone."""
    catalogs = _catalogs()
    with cli_context(ctx).transaction() as session:
        try:
            plan = bulk.plan_list(session, file)
        except ImportRejected as error:
            raise rejected(error) from None
        _carry_out(session, plan, catalogs)
    _print_summary(plan, catalogs, output, LIST_ADDED)


def _carry_out(session: Session, plan: bulk.CounterPlan, catalogs: Catalogs) -> None:
    total = len(plan.planned)
    with progress_bar(catalogs.both(ADDING), total, lines_when_piped=True) as advance:
        bulk.add_counters(session, plan.planned, progress=advance)


def _print_summary(
    plan: bulk.CounterPlan, catalogs: Catalogs, output: OutputFormat, message: str
) -> None:
    if output is OutputFormat.json:
        print_json(plan.summary())
    else:
        typer.echo(catalogs.both(message, **plan.summary()))


def rotate_command(ctx: typer.Context, counter_id: int = COUNTER_OPTION) -> None:
    """Give a counter a new QR code and short code (the old poster then says "replaced")."""
    context = cli_context(ctx)
    base_url = context.settings.link_base()
    with context.transaction() as session:
        rotated = rotate_counter(
            session, console_actor(), counter_id, by=Who.console(), base_url=base_url
        )
    message = _catalogs().both(
        ROTATED,
        counter=rotated.name,
        unit=rotated.unit_name,
        url=rotated.survey_url,
        short_code=rotated.short_code,
    )
    typer.echo(message)


def revoke_command(ctx: typer.Context, counter_id: int = COUNTER_OPTION) -> None:
    """Take a counter out of service: its QR code and short code stop working."""
    context = cli_context(ctx)
    with context.transaction() as session:
        revoked = revoke_counter(
            session,
            console_actor(),
            counter_id,
            by=Who.console(),
            base_url=context.settings.link_base(),
        )
    typer.echo(_catalogs().both(REVOKED, counter=revoked.name, unit=revoked.unit_name))

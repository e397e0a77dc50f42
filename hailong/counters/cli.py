"""`hailong counters`: list active counters (quầy) with their survey URLs; `counters add`.

qr/cli.py adds `rotate`, `revoke` and `qr` to the same group.
"""

from __future__ import annotations

import typer
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows
from hailong.cli_support import cli_context, fail
from hailong.counters.service import add_counter, survey_url
from hailong.errors import BadInput, HailongError, NotFound
from hailong.i18n import N_, Catalogs
from hailong.models import Counter, CounterToken, TokenState, Unit
from hailong.units.importing import column_length
from hailong.units.service import get_by_code

COUNTER_NAME_LIMIT = column_length(Counter.__table__.c.name)


class UnknownUnit(NotFound):
    message = N_("There is no unit with the code {code}.")


class InactiveUnit(BadInput):
    message = N_("The unit {code} no longer takes surveys (it is kept for history only).")


class BadCounterName(BadInput):
    message = N_("The counter's name must be 1 to {limit} characters.")


COUNTER_ADDED = N_("Counter {name} added at {unit}.")
ID = N_("Id")
UNIT_CODE = N_("Unit code")
UNIT_NAME = N_("Unit")
NAME = N_("Counter")
SHORT_CODE = N_("Short code")
SURVEY_URL = N_("Survey URL")


def counter_rows(
    session: Session, *, base_url: str, unit: Unit | None = None
) -> list[dict[str, object]]:
    """Active counters with their live token; with `unit`, its whole subtree."""
    query = (
        select(
            Counter.id,
            Counter.name,
            Unit.code,
            Unit.name,
            CounterToken.token,
            CounterToken.short_code,
        )
        .join(Unit, Counter.unit_id == Unit.id)
        .outerjoin(
            CounterToken,
            and_(CounterToken.counter_id == Counter.id, CounterToken.state == TokenState.active),
        )
        .where(Counter.active.is_(True))
        .order_by(Unit.code, Counter.id)
    )
    if unit is not None:
        query = query.where(Unit.path.startswith(unit.path))
    return [
        {
            "id": counter_id,
            "unit_code": unit_code,
            "unit_name": unit_name,
            "name": name,
            "short_code": short_code,
            "survey_url": survey_url(base_url, token) if token else None,
        }
        for counter_id, name, unit_code, unit_name, token, short_code in session.execute(
            query
        ).tuples()
    ]


def add(session: Session, *, unit_code: str, name: str, base_url: str) -> dict[str, object]:
    unit = get_by_code(session, unit_code)
    if unit is None:
        raise UnknownUnit(code=unit_code)
    if not unit.active:
        raise InactiveUnit(code=unit_code)
    name = name.strip()
    if not 0 < len(name) <= COUNTER_NAME_LIMIT:
        raise BadCounterName(limit=COUNTER_NAME_LIMIT)
    counter, token = add_counter(session, unit=unit, name=name)
    return {
        "id": counter.id,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "name": counter.name,
        "short_code": token.short_code,
        "survey_url": survey_url(base_url, token.token),
    }


def register(app: typer.Typer) -> typer.Typer:
    """Registers `hailong counters ...` and returns the group for qr/ to add rotate/revoke."""
    counters_app = typer.Typer(
        help="Counters (quầy) and their QR codes.", invoke_without_command=True
    )
    app.add_typer(counters_app, name="counters")
    counters_app.callback()(list_command)
    counters_app.command("add")(add_command)
    return counters_app


def list_command(
    ctx: typer.Context,
    unit: str | None = typer.Option(None, "--unit", help="Only this unit and the units below it."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List active counters with their short codes and survey URLs."""
    if ctx.invoked_subcommand is not None:
        return
    catalogs = Catalogs("admin")
    context = cli_context(ctx)
    with context.transaction() as session:
        found = None
        if unit is not None:
            found = get_by_code(session, unit)
            if found is None:
                raise fail(catalogs.both(UnknownUnit.message, code=unit))
        rows = counter_rows(session, base_url=context.settings.public_base_url, unit=found)
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
    catalogs = Catalogs("admin")
    context = cli_context(ctx)
    try:
        with context.transaction() as session:
            row = add(session, unit_code=unit, name=name, base_url=context.settings.public_base_url)
    except HailongError as error:
        raise fail(catalogs.both(error.message, **error.params)) from None
    if output is OutputFormat.json:
        print_json(row)
    else:
        typer.echo(catalogs.both(COUNTER_ADDED, name=row["name"], unit=row["unit_name"]))
        typer.echo(f"{catalogs.both(SURVEY_URL)}: {row['survey_url']}")
        typer.echo(f"{catalogs.both(SHORT_CODE)}: {row['short_code']}")

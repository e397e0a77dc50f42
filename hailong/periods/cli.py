"""`hailong periods add|list|quota`: survey periods (đợt khảo sát) and per-unit quotas."""

from __future__ import annotations

import typer

from hailong.accounts.scope import console_actor
from hailong.audit.service import Who
from hailong.channels import CHANNEL_CODES
from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows
from hailong.cli_support import cli_context
from hailong.i18n import N_, Catalogs, domain_of
from hailong.periods.scoped import NewPeriod, close_period, create_period, set_quota
from hailong.periods.service import parse_day, period_rows, today_in_vietnam

PERIOD_ADDED = N_(
    "Period {code} added: {start} to {end}, questionnaire {questionnaire}, quota {quota}."
)
QUOTA_SET = N_("Quota for {unit} in period {period}: {quota}.")
PERIOD_CLOSED = N_("Period {code} is closed: no survey starts or goes on in it any more.")
CODE = N_("Code")
START = N_("Start")
END = N_("End")
QUESTIONNAIRE = N_("Questionnaire")
QUOTA = N_("Quota")
OFFICIAL = N_("Official channels")
OPEN_NOW = N_("Open now")
CLOSED = N_("Closed")


def _catalogs() -> Catalogs:
    # This module's own words, in the domain that owns its package.
    return Catalogs(domain_of(__name__))


def register(app: typer.Typer) -> None:
    periods_app = typer.Typer(no_args_is_help=True, help="Survey periods (đợt khảo sát).")
    app.add_typer(periods_app, name="periods")
    periods_app.command("add")(add_command)
    periods_app.command("list")(list_command)
    periods_app.command("quota")(quota_command)
    periods_app.command("close")(close_command)


def add_command(
    ctx: typer.Context,
    code: str = typer.Option(..., "--code", help="The period's code, e.g. 2026."),
    start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD."),
    questionnaire: str = typer.Option("sipas-2023", "--questionnaire"),
    quota: int = typer.Option(30, "--quota", help="Default forms per unit."),
    official: str = typer.Option(
        ",".join(CHANNEL_CODES), "--official", help="Channels whose responses are official."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Open a survey period (run by administrators, for every unit)."""
    new = NewPeriod(
        code=code,
        start=parse_day(start),
        end=parse_day(end),
        questionnaire=questionnaire,
        quota=quota,
        official=official.split(","),
    )
    with cli_context(ctx).transaction() as session:
        period = create_period(session, console_actor(), new, by=Who.console())
        (row,) = period_rows(session, today_in_vietnam(), code=period.code)
    if output is OutputFormat.json:
        print_json(row)
    else:
        shown = {k: row[k] for k in ("code", "start", "end", "questionnaire", "quota")}
        typer.echo(_catalogs().both(PERIOD_ADDED, **shown))


def list_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """List periods: dates, questionnaire, quota, official channels, open now or not."""
    catalogs = _catalogs()
    with cli_context(ctx).transaction() as session:
        rows = period_rows(session, today_in_vietnam())
    columns = [
        ("code", catalogs.both(CODE)),
        ("start", catalogs.both(START)),
        ("end", catalogs.both(END)),
        ("questionnaire", catalogs.both(QUESTIONNAIRE)),
        ("quota", catalogs.both(QUOTA)),
        ("official", catalogs.both(OFFICIAL)),
        ("open", catalogs.both(OPEN_NOW)),
        ("closed", catalogs.both(CLOSED)),
    ]
    print_rows(rows, columns, output)


def quota_command(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period"),
    unit: str = typer.Option(..., "--unit", help="The unit's code."),
    quota: int = typer.Option(..., "--quota"),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Set one unit's quota for a period, instead of the period's default."""
    with cli_context(ctx).transaction() as session:
        set_quota(session, console_actor(), period, unit_code=unit, quota=quota, by=Who.console())
    result = {"period": period, "unit": unit, "quota": quota}
    if output is OutputFormat.json:
        print_json(result)
    else:
        typer.echo(_catalogs().both(QUOTA_SET, **result))


def close_command(
    ctx: typer.Context,
    code: str = typer.Option(..., "--code", help="The period's code."),
    comment: str | None = typer.Option(None, "--comment", help="Why, for the audit log."),
) -> None:
    """Close a period now: no survey starts or goes on in it; what was stored still counts."""
    with cli_context(ctx).transaction() as session:
        period = close_period(session, console_actor(), code, comment=comment, by=Who.console())
    typer.echo(_catalogs().both(PERIOD_CLOSED, code=period.code))

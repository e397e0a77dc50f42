"""`hailong tallies rebuild|check`: the tallies recomputed from, or compared with, raw answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import typer

from hailong.cli_output import progress_bar
from hailong.cli_support import CliContext, cli_context
from hailong.i18n import N_, Catalogs
from hailong.periods.service import period_by_code, periods_or_one
from hailong.tallies import verify
from hailong.tallies.layout import RESPONSES_KEY

NO_PERIODS = N_("There are no periods yet: nothing to do.")
REBUILDING = N_("Rebuilding the tallies of period {period}")
REBUILT = N_("Period {period}: tallies rebuilt from the raw answers ({rows} tally rows).")
CHECKING = N_("Checking the tallies of period {period}")
AGREE = N_("Period {period}: the tallies agree with the raw answers.")
DIFFER = N_("Period {period}: {count} tally rows differ from the raw answers.")
DIFFERENCE = N_("{table}: {key}: the raw answers give {expected}, the table holds {found}.")
REPAIR = N_("Run `hailong tallies rebuild --period {period}` to repair them.")


def _period_codes(context: CliContext, code: str | None, catalogs: Catalogs) -> list[str]:
    with context.transaction() as session:
        codes = [period.code for period in periods_or_one(session, code)]
    if not codes:
        typer.echo(catalogs.both(NO_PERIODS), err=True)
    return codes


def rebuild_command(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", help="Period code; default: every one."),
) -> None:
    """Recompute the tallies from the raw answers (one transaction per period)."""
    catalogs = Catalogs("reports")
    context = cli_context(ctx)
    for code in _period_codes(context, period, catalogs):
        with context.transaction() as session:
            found = period_by_code(session, code)
            typer.echo(catalogs.both(REBUILDING, period=code), err=True)
            total = verify.units_with_responses(session, found)
            with progress_bar(catalogs.both(REBUILDING, period=code), total) as advance:
                rows = verify.rebuild(session, found, on_unit=advance)
        typer.echo(catalogs.both(REBUILT, period=code, rows=rows))


def _key_text(unit_codes: Mapping[int, str], table: str, key: tuple[Any, ...]) -> str:
    """A tally row's key for people: column=value, with the unit's code for its id."""
    names = verify.key_names(table)
    parts = []
    for name, value in zip(names, key, strict=True):
        if name == "period_id":
            continue
        if name == "unit_id":
            parts.append(f"unit={unit_codes.get(value, value)}")
        else:
            parts.append(f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}")
    return ", ".join(parts)


def _counts_text(counts: Iterable[int] | None) -> str:
    if counts is None:
        return "?"
    return "[" + " ".join(str(n) for n in counts) + "]"


def _change_key(question: str) -> str:
    return "responses" if question == RESPONSES_KEY else f"question_key={question!r}"


def check_command(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", help="Period code; default: every one."),
) -> None:
    """Compare the tallies with the raw answers: exit 0 when they agree, 1 listing differences."""
    catalogs = Catalogs("reports")
    context = cli_context(ctx)
    differing = []
    for code in _period_codes(context, period, catalogs):
        with context.transaction() as session:
            # Before anything is read: answers arriving meanwhile must not show on one side only.
            verify.repeatable_read(session)
            found = period_by_code(session, code)
            typer.echo(catalogs.both(CHECKING, period=code), err=True)
            differences = verify.check(session, found)
            unit_codes = verify.unit_codes(session, differences)
            for difference in differences:
                key = _key_text(unit_codes, difference.table, difference.key)
                for change in difference.changes:
                    line = catalogs.both(
                        DIFFERENCE,
                        table=difference.table,
                        key=f"{key}, {_change_key(change.question)}",
                        expected=_counts_text(change.expected),
                        found=_counts_text(change.found),
                    )
                    typer.echo(line)
        if differences:
            differing.append(code)
            typer.echo(catalogs.both(DIFFER, period=code, count=len(differences)))
            typer.echo(catalogs.both(REPAIR, period=code))
        else:
            typer.echo(catalogs.both(AGREE, period=code))
    if differing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    tallies_app = typer.Typer(
        no_args_is_help=True,
        help="The answer counts behind the index: rebuild them, or check them against the answers.",
    )
    app.add_typer(tallies_app, name="tallies")
    tallies_app.command("rebuild")(rebuild_command)
    tallies_app.command("check")(check_command)

"""`hailong enumerators`: list them with their units; `assign`, `own`, `unassign`."""

from __future__ import annotations

import typer
from sqlalchemy import select

from hailong.audit.service import Who
from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_rows
from hailong.cli_support import cli_context
from hailong.enumerators import service
from hailong.i18n import N_, Catalogs, domain_of
from hailong.models import Account, EnumeratorTie, Role
from hailong.units.service import unit_by_code

ASSIGNED = N_("{username} is assigned to {unit}.")
ALREADY = N_("{username} was assigned to {unit} already.")
OWN = N_("{unit} is recorded as {username}'s own unit: never surveyed by them.")
OWN_ALREADY = N_("{unit} was recorded as {username}'s own unit already.")
UNASSIGNED = N_("{username} no longer interviews at {unit}.")
NOT_ASSIGNED = N_("{username} was not assigned to {unit}.")
USERNAME = N_("Enumerator")
ASSIGNED_UNITS = N_("Assigned units")
OWN_UNITS = N_("Own units (never surveyed)")
NONE = N_("There is no enumerator account yet (hailong users add --role enumerator).")

USER_OPTION = typer.Option(..., "--user", help="The enumerator's username.")
UNIT_OPTION = typer.Option(..., "--unit", help="The unit's code.")


def _catalogs() -> Catalogs:
    return Catalogs(domain_of(__name__))


def register(app: typer.Typer) -> None:
    enumerators_app = typer.Typer(
        help="Enumerators (điều tra viên): the units they interview at, and their own.",
        invoke_without_command=True,
    )
    app.add_typer(enumerators_app, name="enumerators")
    enumerators_app.callback()(list_command)
    enumerators_app.command("assign")(assign_command)
    enumerators_app.command("own")(own_command)
    enumerators_app.command("unassign")(unassign_command)


def list_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """List enumerator accounts with the units they are assigned to and their own units."""
    if ctx.invoked_subcommand is not None:
        return
    catalogs = _catalogs()
    with cli_context(ctx).transaction() as session:
        accounts = session.scalars(
            select(Account).where(Account.role == Role.enumerator).order_by(Account.username)
        ).all()
        rows = []
        for account in accounts:
            tied = service.ties(session, account.id)
            rows.append(
                {
                    "username": account.username,
                    "assigned": ", ".join(t.code for t in tied if t.tie is EnumeratorTie.assigned),
                    "own": ", ".join(t.code for t in tied if t.tie is EnumeratorTie.own),
                }
            )
    if not rows and output is OutputFormat.table:
        typer.echo(catalogs.both(NONE))
        return
    headers = [
        ("username", catalogs.both(USERNAME)),
        ("assigned", catalogs.both(ASSIGNED_UNITS)),
        ("own", catalogs.both(OWN_UNITS)),
    ]
    print_rows(rows, headers, output)


def assign_command(ctx: typer.Context, user: str = USER_OPTION, unit: str = UNIT_OPTION) -> None:
    """Assign an enumerator to a unit (refused for a unit where they work or live)."""
    with cli_context(ctx).transaction() as session:
        account = service.enumerator(session, user)
        found = unit_by_code(session, unit)
        changed = service.assign(session, account, found, by=Who.console())
        names = {"username": account.username, "unit": found.name}
    typer.echo(_catalogs().both(ASSIGNED if changed else ALREADY, **names))


def own_command(ctx: typer.Context, user: str = USER_OPTION, unit: str = UNIT_OPTION) -> None:
    """Record a unit where the enumerator works or lives: never theirs to survey."""
    with cli_context(ctx).transaction() as session:
        account = service.enumerator(session, user)
        found = unit_by_code(session, unit)
        changed = service.declare_own(session, account, found, by=Who.console())
        names = {"username": account.username, "unit": found.name}
    typer.echo(_catalogs().both(OWN if changed else OWN_ALREADY, **names))


def unassign_command(ctx: typer.Context, user: str = USER_OPTION, unit: str = UNIT_OPTION) -> None:
    """End an enumerator's assignment to a unit."""
    with cli_context(ctx).transaction() as session:
        account = service.enumerator(session, user)
        found = unit_by_code(session, unit)
        changed = service.unassign(session, account, found, by=Who.console())
        names = {"username": account.username, "unit": found.name}
    typer.echo(_catalogs().both(UNASSIGNED if changed else NOT_ASSIGNED, **names))

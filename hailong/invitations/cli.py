"""`hailong invitations send FILE.csv`: one invitation per dossier, the e-mails to the outbox.

Each row is its own transaction: a bad row is reported with its line and changes nothing,
the others go through; running the same file again sends nothing twice (skipped).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from sqlalchemy.exc import IntegrityError

from hailong.cli_output import progress_bar
from hailong.cli_support import CliContext, cli_context, fail
from hailong.errors import HailongError
from hailong.i18n import N_, Catalogs, domain_of
from hailong.invitations import service
from hailong.invitations.csvfile import Row, read_rows
from hailong.settings import NoSecret
from hailong.units.service import unit_by_code

SENDING = N_("Inviting")
BAD_ROW = N_("Line {line}: {reason}")
SUMMARY = N_(
    "Invitations: {invited} queued for sending, {skipped} skipped (dossier invited before), "
    "{refused} refused."
)
WORKER = N_("The e-mails leave with `hailong worker` (HAILONG_SMTP_URL).")


def register(app: typer.Typer) -> None:
    invitations_app = typer.Typer(help="E-mail invitations to the survey, one per dossier.")
    app.add_typer(invitations_app, name="invitations")
    invitations_app.command("send")(send_command)


def send_command(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        readable=True,
        help="CSV: dossier_id,unit_code,procedure_code,email",
    ),
) -> None:
    """Invite the citizen of each dossier of the file (at most once per dossier)."""
    catalogs = Catalogs(domain_of(__name__))
    context = cli_context(ctx)
    if context.settings.secret_key is None:
        # The links are made with the secret: the app must have the same one to open them.
        raise NoSecret()
    rows = read_rows(file)
    counts: Counter[str] = Counter()
    with progress_bar(catalogs.both(SENDING), len(rows), lines_when_piped=True) as advance:
        for row in rows:
            try:
                outcome = _invite_row(context, row)
            except HailongError as error:
                typer.echo(catalogs.both(BAD_ROW, line=row.line, reason=error.both()), err=True)
                outcome = "refused"
            counts[outcome] += 1
            advance()
    summary = catalogs.both(SUMMARY, **{k: counts[k] for k in ("invited", "skipped", "refused")})
    if counts["refused"]:
        raise fail(summary)
    typer.echo(summary)
    if counts["invited"]:
        typer.echo(catalogs.both(WORKER))


def _invite_row(context: CliContext, row: Row) -> str:
    request = service.Request(
        dossier_id=row.dossier_id, procedure_code=row.procedure_code, email=row.email
    )
    for _attempt in range(2):
        try:
            with context.transaction() as session:
                unit = unit_by_code(session, row.unit_code)
                result = service.invite(
                    session,
                    unit,
                    request,
                    secret=context.settings.secret(),
                    valid_days=context.settings.invitation_valid_days,
                )
                return result.outcome.value
        except IntegrityError:
            # Another process invited the same dossier at the same moment: look again.
            continue
    return service.Outcome.skipped.value

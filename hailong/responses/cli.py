"""`hailong import responses` (paper forms in) and `hailong responses review`."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import typer

from hailong.audit.service import Who
from hailong.cli_support import cli_context, fail
from hailong.i18n import N_, Catalogs
from hailong.responses.importing import RowProblem, describe, import_responses
from hailong.responses.reviewing import review


class ProgressBars:
    """A progress bar on stderr, one per named pass over the file."""

    LABELS = {"import": N_("Importing")}

    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs
        self.name: str | None = None
        self.bar: AbstractContextManager[Any] | None = None
        self.handle: Any = None
        self.done = 0

    def __call__(self, name: str, done: int, total: int) -> None:
        if name != self.name:
            self.close()
            self.name = name
            label = self.catalogs.both(self.LABELS.get(name, name))
            self.bar = typer.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            self.handle = self.bar.__enter__()
            self.done = 0
        if done > self.done:
            self.handle.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("responses")
    def import_responses_command(
        ctx: typer.Context,
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="FILE.csv|FILE.xlsx"),
    ) -> None:
        """Import keyed-in paper forms: all or nothing; every bad row is reported."""
        catalogs = Catalogs("reports")

        def report(problem: RowProblem) -> None:
            typer.echo(describe(problem, catalogs), err=True)

        bars = ProgressBars(catalogs)
        with cli_context(ctx).transaction() as session:
            try:
                result = import_responses(session, path, on_problem=report, progress=bars)
            finally:
                bars.close()
            if not result.ok:
                # Leaving the block by an exception rolls the transaction back: nothing stored.
                raise fail(
                    catalogs.both(
                        N_("Nothing was imported: {count} problems in the file."),
                        count=result.problem_count,
                    )
                )
        typer.echo(
            catalogs.both(
                N_("Imported {imported} forms; {skipped} were already there."),
                imported=result.imported,
                skipped=result.skipped,
            )
        )


REVIEWED = N_("Response {public_id} is now {state}.")
REVIEW_STATES = {
    "received": N_("received (counted until an official decides)"),
    "has_issues": N_("has issues (counted until an official decides)"),
    "approved": N_("approved (counted)"),
    "rejected": N_("rejected (left out of the index)"),
}


def review_command(
    ctx: typer.Context,
    form_id: str = typer.Option(
        ..., "--id", help="The form_id column of `hailong download responses`."
    ),
    state: str = typer.Option(..., "--state", help="received, has_issues, approved or rejected."),
    unit: str | None = typer.Option(
        None, "--unit", help="Its unit_code, when a paper form's id is used in several units."
    ),
    period: str | None = typer.Option(
        None, "--period", help="Its period, when a paper form's id is used in several periods."
    ),
    comment: str | None = typer.Option(None, "--comment", help="Why, for the audit log."),
) -> None:
    """Approve or reject a response (or mark it has_issues); a rejected one is left out of
    the index. The decision is in the audit log."""
    with cli_context(ctx).transaction() as session:
        decided = review(
            session,
            form_id=form_id,
            state=state,
            unit_code=unit,
            period_code=period,
            comment=comment,
            by=Who.console(),
        ).review_state
    typer.echo(_reviewed(Catalogs("reports"), form_id.strip(), decided))


def _reviewed(catalogs: Catalogs, public_id: str, state: str) -> str:
    """Vietnamese first, English second, each with the state in its own language."""
    lines = []
    for language in ("vi", "en"):
        label = catalogs.gettext(language, REVIEW_STATES.get(state, state))
        lines.append(catalogs.gettext(language, REVIEWED).format(public_id=public_id, state=label))
    return " / ".join(lines)


def register_review(app: typer.Typer) -> None:
    responses_app = typer.Typer(no_args_is_help=True, help="Responses: officials' review.")
    app.add_typer(responses_app, name="responses")
    responses_app.command("review")(review_command)

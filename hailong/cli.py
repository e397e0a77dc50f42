"""The `hailong` command. Each domain registers its own subcommands here."""

from __future__ import annotations

import typer
from sqlalchemy.exc import DBAPIError, OperationalError

from hailong.cli_support import CliContext
from hailong.i18n import N_, Catalogs
from hailong.settings import Settings

NOT_MIGRATED = N_(
    "The database has no tables yet, or they are from an older version: "
    "run `hailong db upgrade` first."
)
UNREACHABLE = N_(
    "The database could not be reached, or stopped answering ({kind}); nothing was saved. "
    "Check HAILONG_DATABASE_URL and that the database is running."
)
# SQLSTATE of "undefined table" on PostgreSQL.
UNDEFINED_TABLE = "42P01"


def _root(ctx: typer.Context) -> None:
    """hailong: SIPAS citizen satisfaction surveys for one-stop counters."""
    # One settings object per run, read from HAILONG_* variables; every subcommand uses it.
    if not isinstance(ctx.obj, CliContext):
        ctx.obj = CliContext(settings=Settings())


def build_cli() -> typer.Typer:
    from bot.telegram import cli as telegram_cli
    from hailong import demo, migrate, serve
    from hailong.counters import cli as counters_cli
    from hailong.index import cli as index_cli
    from hailong.outbox import cli as outbox_cli
    from hailong.periods import cli as periods_cli
    from hailong.procedures import cli as procedures_cli
    from hailong.questionnaires import cli as questionnaires_cli
    from hailong.reports import cli as reports_cli
    from hailong.responses import cli as responses_cli
    from hailong.tallies import cli as tallies_cli
    from hailong.units import cli as units_cli
    from qr import cli as qr_cli

    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    app.callback()(_root)
    import_app = typer.Typer(no_args_is_help=True, help="Load data from files.")
    app.add_typer(import_app, name="import")

    migrate.register(app)
    serve.register(app)
    demo.register(app)
    units_cli.register(app, import_app)
    periods_cli.register(app)
    procedures_cli.register(app)
    questionnaires_cli.register(app)
    counters_app = counters_cli.register(app)
    qr_cli.register(app, counters_app)
    responses_cli.register(app, import_app)
    responses_cli.register_review(app)
    tallies_cli.register(app)
    index_cli.register(app)
    reports_cli.register(app)
    telegram_cli.register(app)
    outbox_cli.register(app)
    return app


def database_trouble(error: DBAPIError) -> str | None:
    """What an operator should read when the database lacks its tables or is down (never the
    URL: it may hold a password); None for any other error, whose traceback is wanted."""
    catalogs = Catalogs("admin")
    original = error.orig
    if getattr(original, "sqlstate", None) == UNDEFINED_TABLE or "no such table" in str(original):
        return catalogs.both(NOT_MIGRATED)
    if isinstance(error, OperationalError):
        return catalogs.both(UNREACHABLE, kind=type(original).__name__)
    return None


def main() -> None:
    try:
        build_cli()()
    except DBAPIError as error:
        message = database_trouble(error)
        if message is None:
            raise
        typer.echo(message, err=True)
        raise SystemExit(1) from None

"""The `hailong` command. Each domain registers its own subcommands here."""

from __future__ import annotations

import typer

from hailong.cli_support import CliContext, Commands
from hailong.settings import load_settings


def _root(ctx: typer.Context) -> None:
    """hailong: SIPAS citizen satisfaction surveys for one-stop counters."""
    # One settings object per run, read from HAILONG_* variables; every subcommand uses it.
    if not isinstance(ctx.obj, CliContext):
        ctx.obj = CliContext(settings=load_settings())


def build_cli() -> typer.Typer:
    from bot.telegram import cli as telegram_cli
    from hailong import demo, migrate, serve
    from hailong.accounts import cli as users_cli
    from hailong.audit import cli as audit_cli
    from hailong.counters import cli as counters_cli
    from hailong.enumerators import cli as enumerators_cli
    from hailong.index import cli as index_cli
    from hailong.invitations import cli as invitations_cli
    from hailong.outbox import cli as outbox_cli
    from hailong.periods import cli as periods_cli
    from hailong.procedures import cli as procedures_cli
    from hailong.questionnaires import cli as questionnaires_cli
    from hailong.reports import cli as reports_cli
    from hailong.responses import cli as responses_cli
    from hailong.tallies import cli as tallies_cli
    from hailong.units import cli as units_cli
    from qr import cli as qr_cli

    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, cls=Commands)
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
    counters_cli.register(app)
    qr_cli.register(app)
    responses_cli.register(app, import_app)
    responses_cli.register_review(app)
    tallies_cli.register(app)
    index_cli.register(app)
    reports_cli.register(app)
    telegram_cli.register(app)
    users_cli.register(app)
    audit_cli.register(app)
    outbox_cli.register(app)
    invitations_cli.register(app)
    enumerators_cli.register(app)
    return app


def main() -> None:
    build_cli()()

"""`hailong db ...`: Alembic migrations, run programmatically with our settings."""

from __future__ import annotations

from importlib import resources

import typer
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from hailong.cli_support import cli_context
from hailong.db import normalise_url


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s")
    if url is not None:
        # Alembic's config is a ConfigParser: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(no_args_is_help=True, help="Database migrations.")
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade_command(ctx: typer.Context, revision: str = "head") -> None:
        """Apply migrations up to REVISION (default: the newest)."""
        upgrade(cli_context(ctx).settings.database_url, revision)
        typer.echo("Database is up to date.")

    @db_app.command("downgrade")
    def downgrade_command(ctx: typer.Context, revision: str) -> None:
        """Undo migrations down to REVISION."""
        downgrade(cli_context(ctx).settings.database_url, revision)

    @db_app.command("current")
    def current_command(ctx: typer.Context) -> None:
        """Show the database's revision."""
        command.current(alembic_config(cli_context(ctx).settings.database_url))

"""`hailong db ...`: Alembic migrations, run programmatically with our settings.

Alembic is imported when a migration runs, not when the module is: it takes a sixth of a
second to load, and every `hailong` command would pay for it at start.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

import typer
from sqlalchemy import Connection

if TYPE_CHECKING:
    from alembic.config import Config

from hailong.cli_support import cli_context, database_location
from hailong.db import normalise_url
from hailong.i18n import N_, Catalogs

UP_TO_DATE = N_("Database {where} is up to date.")


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    from alembic.config import Config

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
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(no_args_is_help=True, help="Database migrations.")
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade_command(ctx: typer.Context, revision: str = "head") -> None:
        """Apply migrations up to REVISION (default: the newest)."""
        url = cli_context(ctx).settings.database_url
        upgrade(url, revision)
        typer.echo(Catalogs("admin").both(UP_TO_DATE, where=database_location(url)))

    @db_app.command("downgrade")
    def downgrade_command(ctx: typer.Context, revision: str) -> None:
        """Undo migrations down to REVISION."""
        downgrade(cli_context(ctx).existing_database(), revision)

    @db_app.command("current")
    def current_command(ctx: typer.Context) -> None:
        """Show the database's revision."""
        from alembic import command

        command.current(alembic_config(cli_context(ctx).existing_database()))

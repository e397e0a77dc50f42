from __future__ import annotations

import typer


def register(app: typer.Typer, counters_app: typer.Typer) -> None:
    """Registers this module's `hailong` subcommands. (Being built.)"""

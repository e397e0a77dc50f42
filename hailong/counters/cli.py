from __future__ import annotations

import typer


def register(app: typer.Typer) -> typer.Typer:
    """Registers `hailong counters ...` and returns the group for qr/ to add rotate/revoke."""
    counters_app = typer.Typer(help="Counters (quầy) and their QR codes.")
    app.add_typer(counters_app, name="counters")
    return counters_app

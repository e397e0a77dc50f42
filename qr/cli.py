"""`hailong qr` and `hailong posters`."""

from __future__ import annotations

from pathlib import Path

import typer

from hailong.cli_output import atomic_file, progress_bar
from hailong.cli_support import cli_context, fail
from hailong.counters.service import printable_counter, survey_url
from hailong.i18n import N_, Catalogs
from hailong.periods.service import today_in_vietnam
from hailong.units.service import unit_by_code
from qr import service
from qr.content import PosterFrame, PosterSize, PosterText, configured_channels
from qr.images import image_bytes

WROTE_IMAGE = N_("Wrote the QR code of {counter} ({unit}) to {path}.")
WROTE_POSTERS = N_("Wrote {count} posters to {path}.")
RENDERING = N_("Rendering posters")
IMAGE_SUFFIX = N_("The file name must end in .png or .svg.")
CANNOT_WRITE = N_("Could not write {path}: {reason}")

COUNTER_OPTION = typer.Option(..., "--counter", help="The counter's id.")


def register(app: typer.Typer) -> None:
    app.command("qr")(qr_command)
    app.command("posters")(posters_command)


def qr_command(
    ctx: typer.Context,
    counter_id: int = COUNTER_OPTION,
    output: Path = typer.Option(..., "-o", "--output", help="FILE.png or FILE.svg"),
) -> None:
    """Write a counter's QR code (its survey URL) as a PNG or SVG image."""
    cli = cli_context(ctx)
    catalogs = Catalogs("qr")
    if output.suffix.lower() not in (".png", ".svg"):
        raise fail(catalogs.both(IMAGE_SUFFIX), code=2)
    base_url = cli.settings.link_base()
    with cli.transaction() as session:
        live = printable_counter(session, counter_id)
    try:
        _write_atomically(
            output, image_bytes(survey_url(base_url, live.token.token), output.suffix)
        )
    except OSError as error:
        raise fail(_cannot_write(catalogs, output, error)) from None
    typer.echo(
        catalogs.both(WROTE_IMAGE, counter=live.counter.name, unit=live.unit.name, path=output)
    )


def posters_command(
    ctx: typer.Context,
    unit_code: str = typer.Option(..., "--unit", help="Code of the unit; its subtree is included."),
    size: PosterSize = typer.Option(PosterSize.A4, "--size", help="A4 wall poster or A6 stand."),
    output: Path = typer.Option(..., "-o", "--output", help="The PDF to write."),
    period_code: str | None = typer.Option(
        None, "--period", help="Period to print (default: the open one, else the next)."
    ),
) -> None:
    """One poster per active counter of a unit's subtree, in one PDF (one page each)."""
    cli = cli_context(ctx)
    catalogs = Catalogs("qr")
    with cli.transaction() as session:
        plan = service.poster_plan(session, unit_by_code(session, unit_code))
        period = service.period_for_posters(session, today=today_in_vietnam(), code=period_code)
    if plan.total == 0:
        raise service.NothingToPrint(code=unit_code)
    # One poster is a test page; a batch is for the walls, and must lead phones somewhere.
    base_url = cli.settings.link_base(pages=plan.total)
    frame = PosterFrame(
        size=size,
        channels=configured_channels(cli.settings),
        period=period,
        text=PosterText(catalogs),
    )
    posters = service.unit_posters(cli.transaction, unit_code, base_url=base_url, plan=plan)
    # Imported here: ReportLab and pypdf take a tenth of a second to load, and every other
    # command would pay for them at start.
    from qr.posters import write_posters

    progress = progress_bar(catalogs.both(RENDERING), plan.total, lines_when_piped=True)
    try:
        with progress as advance, atomic_file(output) as out:
            count = write_posters(out, posters, frame, on_progress=advance)
    except OSError as error:
        raise fail(_cannot_write(catalogs, output, error)) from None
    typer.echo(catalogs.both(WROTE_POSTERS, count=count, path=output))


def _cannot_write(catalogs: Catalogs, path: Path, error: OSError) -> str:
    # strerror is the system's own words ("No such file or directory"), English only.
    return catalogs.both(CANNOT_WRITE, path=path, reason=error.strerror or error)


def _write_atomically(path: Path, data: bytes) -> None:
    with atomic_file(path) as out:
        out.write(data)

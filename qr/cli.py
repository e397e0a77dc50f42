"""`hailong qr` and `hailong posters`."""

from __future__ import annotations

from pathlib import Path

import typer

from hailong.channels import accounts, unnamed_chats
from hailong.cli_output import output_file, progress_bar
from hailong.cli_support import cli_context, fail
from hailong.counters.service import printable_counter, survey_url
from hailong.i18n import N_, Catalogs
from hailong.periods.service import today_in_vietnam
from hailong.responses import timing
from hailong.settings import Settings
from hailong.units.service import unit_by_code
from qr import service
from qr.content import ChannelNote, PosterFrame, PosterSize, PosterText, configured_channels
from qr.images import image_bytes

WROTE_IMAGE = N_("Wrote the QR code of {counter} ({unit}) to {path}.")
WROTE_POSTERS = N_("Wrote {count} posters to {path}.")
RENDERING = N_("Rendering posters")
IMAGE_SUFFIX = N_("The file name must end in .png or .svg.")
UNNAMED_CHAT = N_(
    "The {channel} channel is on, but the name of its account is unknown, so the posters leave "
    "it out. For Telegram, set HAILONG_TELEGRAM_BOT_USERNAME (or let the bot answer getMe)."
)

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
    image = image_bytes(survey_url(base_url, live.token.token), output.suffix)
    with output_file(output) as out:
        out.write(image)
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
        promise = timing.promise(session, period_id=period.id if period else None)
    if plan.total == 0:
        raise service.NothingToPrint(code=unit_code)
    # One poster is a test page; a batch is for the walls, and must lead phones somewhere.
    base_url = cli.settings.link_base(pages=plan.total)
    frame = PosterFrame(
        size=size,
        channels=_channel_notes(cli.settings, catalogs),
        period=period,
        text=PosterText(catalogs),
        minutes=promise.minutes,
    )
    posters = service.unit_posters(cli.transaction, unit_code, base_url=base_url, plan=plan)
    # Imported here: ReportLab and pypdf take a tenth of a second to load, and every other
    # command would pay for them at start.
    from qr.posters import write_posters

    progress = progress_bar(catalogs.both(RENDERING), plan.total, lines_when_piped=True)
    with progress as advance, output_file(output) as out:
        count = write_posters(out, posters, frame, on_progress=advance)
    typer.echo(catalogs.both(WROTE_POSTERS, count=count, path=output))


def _channel_notes(settings: Settings, catalogs: Catalogs) -> tuple[ChannelNote, ...]:
    """The ways to answer printed on every poster; a chat channel whose account is unknown
    (Telegram not answering getMe, say) is left out, and the operator told how to add it."""
    known = accounts(settings, ask=True)
    for code in unnamed_chats(settings, known):
        typer.echo(catalogs.both(UNNAMED_CHAT, channel=code), err=True)
    return configured_channels(settings, known)

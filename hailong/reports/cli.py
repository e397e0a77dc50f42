"""`hailong download index|responses|report`: the files officials pass on.

Each command resolves its selection, then hands a file object to the same function a web route
will stream from. Files are written beside their target and renamed into place at the end, so
an interrupted download never leaves half a file under the name asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import BinaryIO

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hailong.cli_output import atomic_file, progress_bar
from hailong.cli_support import cli_context, fail
from hailong.errors import BadInput, HailongError, NotFound
from hailong.i18n import N_, Catalogs
from hailong.index.service import ChannelGroup
from hailong.models import Channel, Counter, Period, ReviewState, Unit
from hailong.periods.service import get_by_code as period_by_code
from hailong.reports.index_table import write_index_csv, write_index_xlsx
from hailong.reports.selection import IndexSelection
from hailong.responses.exporting import (
    XLSX_ROW_LIMIT,
    ResponseFilter,
    TooManyForXlsx,
    count_responses,
    write_responses_csv,
    write_responses_xlsx,
)
from hailong.units.service import get_by_code as unit_by_code

CSV, XLSX, PDF = ".csv", ".xlsx", ".pdf"
WRITTEN = N_("Written to {path}.")
WRITING_INDEX = N_("Writing the index")
WRITING_RESPONSES = N_("Writing responses")
WRITING_REPORT = N_("Writing the report")

PERIOD_OPTION = typer.Option(..., "--period", help="Period code, e.g. 2026.")
CHANNELS_OPTION = typer.Option(
    ChannelGroup.official, "--channels", help="official: the period's official channels; all."
)
LANGUAGE_OPTION = typer.Option("vi", "--language", help="vi (default) or en.")


class UnknownPeriod(NotFound):
    message = N_("Unknown period “{code}”.")


class UnknownUnit(NotFound):
    message = N_("Unknown unit code “{code}”.")


class UnknownCounter(NotFound):
    message = N_("There is no counter with id {counter}.")


class UnknownChannel(BadInput):
    message = N_("Unknown channel “{channel}”; use one of {channels}.")


class BadDate(BadInput):
    message = N_("“{value}” is not a date; write it as YYYY-MM-DD.")


class DatesReversed(BadInput):
    message = N_("The first day {start} is after the last day {end}.")


class WrongFileType(BadInput):
    message = N_("The file name must end in {suffixes}.")


class CannotWrite(HailongError):
    message = N_("Cannot write {path}: {error}")


def _suffix(path: Path, allowed: tuple[str, ...]) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise WrongFileType(suffixes=" / ".join(allowed))
    return suffix


def _period(session: Session, code: str) -> Period:
    found = period_by_code(session, code)
    if found is None:
        raise UnknownPeriod(code=code)
    return found


def _unit(session: Session, code: str | None) -> Unit | None:
    if code is None:
        return None
    found = unit_by_code(session, code)
    if found is None:
        raise UnknownUnit(code=code)
    return found


def _channels(named: list[str]) -> tuple[str, ...] | None:
    known = tuple(channel.value for channel in Channel)
    for channel in named:
        if channel not in known:
            raise UnknownChannel(channel=channel, channels=", ".join(known))
    return tuple(named) or None


def _counters(session: Session, ids: list[int]) -> tuple[int, ...] | None:
    found = set(session.scalars(select(Counter.id).where(Counter.id.in_(ids))))
    for counter in ids:
        if counter not in found:
            raise UnknownCounter(counter=counter)
    return tuple(ids) or None


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadDate(value=value) from None


def _units_below(session: Session, unit: Unit | None) -> int:
    """Rows of an index table: the subtree's units, plus the country's row when national."""
    query = select(func.count()).select_from(Unit)
    if unit is not None:
        query = query.where(Unit.path.startswith(unit.path))
    return (session.scalar(query) or 0) + (1 if unit is None else 0)


@contextmanager
def _target(path: Path) -> Iterator[BinaryIO]:
    """A file that takes the name `path` only once it is complete."""
    try:
        with atomic_file(path) as out:
            yield out
    except OSError as error:
        raise CannotWrite(path=path, error=error.strerror or error) from None


def _run(ctx: typer.Context, output: Path, work: Callable[[Session, Catalogs], None]) -> None:
    """One read-only transaction; expected failures become a polite message and exit code 1."""
    catalogs = Catalogs("reports")
    try:
        with cli_context(ctx).transaction() as session:
            work(session, catalogs)
    except HailongError as error:
        raise fail(catalogs.both(error.message, **error.params)) from None
    typer.echo(catalogs.both(WRITTEN, path=output))


def register(app: typer.Typer) -> None:
    download_app = typer.Typer(
        no_args_is_help=True, help="Download the index table, raw responses or a unit's report."
    )
    app.add_typer(download_app, name="download")

    @download_app.command("index")
    def download_index(
        ctx: typer.Context,
        period: str = PERIOD_OPTION,
        unit: str | None = typer.Option(None, "--unit", help="A unit code; default: the country."),
        channels: ChannelGroup = CHANNELS_OPTION,
        language: str = LANGUAGE_OPTION,
        output: Path = typer.Option(..., "-o", "--output", help="FILE.csv or FILE.xlsx"),
    ) -> None:
        """The index table: one row per unit (CSV), or one sheet per level (XLSX)."""

        def work(session: Session, catalogs: Catalogs) -> None:
            suffix = _suffix(output, (CSV, XLSX))
            found_unit = _unit(session, unit)
            selection = IndexSelection(_period(session, period), found_unit, channels)
            write = write_index_xlsx if suffix == XLSX else write_index_csv
            total = _units_below(session, found_unit)
            with (
                progress_bar(catalogs.both(WRITING_INDEX), total) as advance,
                _target(output) as out,
            ):
                write(session, selection, out, language=language, on_progress=advance)

        _run(ctx, output, work)

    @download_app.command("responses")
    def download_responses(
        ctx: typer.Context,
        period: str = PERIOD_OPTION,
        unit: str | None = typer.Option(None, "--unit", help="A unit code: it and below it."),
        channel: list[str] = typer.Option([], "--channel", help="Only this channel (repeatable)."),
        counter: list[int] = typer.Option(
            [], "--counter", help="Only this counter id (repeatable)."
        ),
        procedure: list[str] = typer.Option(
            [], "--procedure", help="Only this procedure code (repeatable)."
        ),
        review_state: list[ReviewState] = typer.Option(
            [], "--review-state", help="Only responses in this review state (repeatable)."
        ),
        first_day: str | None = typer.Option(
            None, "--from", help="Submitted on or after YYYY-MM-DD."
        ),
        last_day: str | None = typer.Option(
            None, "--to", help="Submitted on or before YYYY-MM-DD."
        ),
        output: Path = typer.Option(..., "-o", "--output", help="FILE.csv or FILE.xlsx"),
    ) -> None:
        """Completed responses in the methodology's format, filtered; streamed row by row."""

        def work(session: Session, catalogs: Catalogs) -> None:
            suffix = _suffix(output, (CSV, XLSX))
            start, end = _date(first_day), _date(last_day)
            if start is not None and end is not None and start > end:
                raise DatesReversed(start=start, end=end)
            selection = ResponseFilter(
                period=_period(session, period),
                unit=_unit(session, unit),
                channels=_channels(channel),
                review_states=tuple(state.value for state in review_state) or None,
                counters=_counters(session, counter),
                procedures=tuple(procedure) or None,
                submitted_from=start,
                submitted_to=end,
            )
            write = write_responses_xlsx if suffix == XLSX else write_responses_csv
            total = count_responses(session, selection)
            if suffix == XLSX and total > XLSX_ROW_LIMIT:
                raise TooManyForXlsx(count=total, limit=XLSX_ROW_LIMIT)
            with (
                progress_bar(catalogs.both(WRITING_RESPONSES), total) as advance,
                _target(output) as out,
            ):
                write(session, selection, out, on_progress=advance)

        _run(ctx, output, work)

    # The first name this command had; kept so that scripts written for it still work.
    export_app = typer.Typer(no_args_is_help=True, help="Write data to files (as download).")
    app.add_typer(export_app, name="export")
    export_app.command("responses", help="The same as `hailong download responses`.")(
        download_responses
    )

    @download_app.command("report")
    def download_report(
        ctx: typer.Context,
        period: str = PERIOD_OPTION,
        unit: str = typer.Option(..., "--unit", help="The unit's code."),
        channels: ChannelGroup = CHANNELS_OPTION,
        language: str = LANGUAGE_OPTION,
        output: Path = typer.Option(..., "-o", "--output", help="FILE.pdf"),
    ) -> None:
        """A unit's report for a period, as a PDF: the index, criteria, warnings, quota."""

        def work(session: Session, catalogs: Catalogs) -> None:
            # Imported here: ReportLab and the charts take a quarter of a second to load, and
            # every other command would pay for them at start.
            from hailong.reports.report_pdf import write_report_pdf

            _suffix(output, (PDF,))
            selection = IndexSelection(_period(session, period), _unit(session, unit), channels)
            with progress_bar(catalogs.both(WRITING_REPORT), 2) as advance, _target(output) as out:
                write_report_pdf(
                    session, selection, out, language=language, on_progress=lambda _: advance()
                )

        _run(ctx, output, work)

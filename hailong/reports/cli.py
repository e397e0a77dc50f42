"""`hailong download index|responses|report`: the files officials pass on.

Each command resolves its selection, then hands a file object to the same function a web route
will stream from. Files are written beside their target and renamed into place at the end, so
an interrupted download never leaves half a file under the name asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from hailong.channels import running_channels
from hailong.cli_output import file_type, output_file, progress_bar
from hailong.cli_support import cli_context
from hailong.errors import BadInput
from hailong.i18n import N_, Catalogs
from hailong.index.selection import select_index
from hailong.index.service import ChannelGroup
from hailong.models import ReviewState
from hailong.reports.downloads import index_rows, response_filter
from hailong.reports.index_table import write_index_csv, write_index_xlsx
from hailong.responses.csvformat import CsvDialect
from hailong.responses.exporting import (
    XLSX_ROW_LIMIT,
    TooManyForXlsx,
    count_responses,
    write_responses_csv,
    write_responses_xlsx,
)

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
EXCEL_VI_OPTION = typer.Option(
    False,
    "--excel-vi",
    help="CSV for Excel in Vietnamese: a semicolon, decimal commas, codes kept as written.",
)


class ExcelViIsCsv(BadInput):
    message = N_("--excel-vi writes a CSV file: name the output FILE.csv.")


def csv_dialect(suffix: str, *, excel_vi: bool) -> CsvDialect:
    """The CSV's dialect, refusing --excel-vi for anything but a CSV."""
    if not excel_vi:
        return CsvDialect.plain
    if suffix != CSV:
        raise ExcelViIsCsv()
    return CsvDialect.excel_vi


def _run(ctx: typer.Context, output: Path, work: Callable[[Session, Catalogs], None]) -> None:
    """One read-only transaction, then say where the file is."""
    catalogs = Catalogs("reports")
    with cli_context(ctx).transaction() as session:
        work(session, catalogs)
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
        excel_vi: bool = EXCEL_VI_OPTION,
    ) -> None:
        """The index table: one row per unit (CSV), or one sheet per level (XLSX)."""

        def work(session: Session, catalogs: Catalogs) -> None:
            suffix = file_type(output, (CSV, XLSX))
            dialect = csv_dialect(suffix, excel_vi=excel_vi)
            selection = select_index(session, period=period, unit=unit, channels=channels)
            total = index_rows(session, selection.unit)
            with (
                progress_bar(catalogs.both(WRITING_INDEX), total) as advance,
                output_file(output) as out,
            ):
                if suffix == XLSX:
                    write_index_xlsx(
                        session, selection, out, language=language, on_progress=advance
                    )
                else:
                    write_index_csv(
                        session,
                        selection,
                        out,
                        language=language,
                        dialect=dialect,
                        on_progress=advance,
                    )

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
        excel_vi: bool = EXCEL_VI_OPTION,
    ) -> None:
        """Completed responses in the methodology's format, filtered; streamed row by row."""

        def work(session: Session, catalogs: Catalogs) -> None:
            suffix = file_type(output, (CSV, XLSX))
            dialect = csv_dialect(suffix, excel_vi=excel_vi)
            selection = response_filter(
                session,
                period=period,
                unit=unit,
                channels=channel,
                counters=counter,
                procedures=procedure,
                review_states=review_state,
                first_day=first_day,
                last_day=last_day,
            )
            total = count_responses(session, selection)
            if suffix == XLSX and total > XLSX_ROW_LIMIT:
                raise TooManyForXlsx(count=total, limit=XLSX_ROW_LIMIT)
            with (
                progress_bar(catalogs.both(WRITING_RESPONSES), total) as advance,
                output_file(output) as out,
            ):
                if suffix == XLSX:
                    write_responses_xlsx(session, selection, out, on_progress=advance)
                else:
                    write_responses_csv(
                        session, selection, out, dialect=dialect, on_progress=advance
                    )

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

            file_type(output, (PDF,))
            selection = select_index(session, period=period, unit=unit, channels=channels)
            with (
                progress_bar(catalogs.both(WRITING_REPORT), 2) as advance,
                output_file(output) as out,
            ):
                write_report_pdf(
                    session,
                    selection,
                    out,
                    language=language,
                    on_progress=lambda _: advance(),
                    running=running_channels(cli_context(ctx).settings),
                )

        _run(ctx, output, work)

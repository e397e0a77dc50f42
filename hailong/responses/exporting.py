"""Raw responses out, in the methodology's CSV format (or XLSX with the same columns).

Streamed: responses are read `yield_per` a thousand at a time with their answers, and rows
leave as they are made, so a route can send a national file without holding it in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.orm import Session

from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Answer, Period, Response, ResponseStatus, Unit
from hailong.periods.service import VIETNAM
from hailong.responses.csvformat import (
    COLUMNS,
    CRITERIA_COLUMNS,
    PROCEDURE_QUESTION,
    CsvDialect,
    csv_chunks,
    response_row,
)
from hailong.spreadsheet import as_text

CHUNK = 1000
Progress = Callable[[int], None]
# A sheet holds at most 1,048,576 rows, the header included.
XLSX_ROW_LIMIT = 1_048_575


class TooManyForXlsx(BadInput):
    message = N_(
        "{count} responses do not fit in one XLSX sheet (at most {limit}): download CSV, or "
        "narrow the filters."
    )


# Cells that spreadsheets should see as numbers (codes 1-5 and 1-3).
NUMERIC_COLUMNS = frozenset((*CRITERIA_COLUMNS, "harassment", "extra_payment"))


def start_of_day(day: date) -> datetime:
    """Midnight in Vietnam, as UTC: the dates an official types are Vietnam's calendar days."""
    return datetime.combine(day, time(0, 0), tzinfo=VIETNAM).astimezone(UTC)


@dataclass(frozen=True)
class ResponseFilter:
    """What a download holds: finished responses of a period, narrowed as the official asks.

    Every filter left as None lets everything through; the others must all match.
    """

    period: Period
    unit: Unit | None = None  # the unit and everything below it
    channels: tuple[str, ...] | None = None
    review_states: tuple[str, ...] | None = None
    # Finished forms, those that rate no criterion too (kept for what else they say).
    statuses: tuple[str, ...] = (ResponseStatus.completed.value, ResponseStatus.unrated.value)
    counters: tuple[int, ...] | None = None  # counter ids
    procedures: tuple[str, ...] | None = None  # procedure codes
    # Submitted on these Vietnam calendar days, both included.
    submitted_from: date | None = None
    submitted_to: date | None = None
    # Only these units of the subtree (a caller who does not reach them all); None: every one.
    shown_units: frozenset[int] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            Response.period_id == self.period.id,
            Response.status.in_(self.statuses),
        ]
        if self.unit is not None:
            subtree = select(Unit.id).where(Unit.path.startswith(self.unit.path))
            conditions.append(Response.unit_id.in_(subtree))
        if self.shown_units is not None:
            conditions.append(Response.unit_id.in_(sorted(self.shown_units)))
        if self.channels:
            conditions.append(Response.channel.in_(self.channels))
        if self.review_states:
            conditions.append(Response.review_state.in_(self.review_states))
        if self.counters:
            conditions.append(Response.counter_id.in_(self.counters))
        if self.procedures:
            conditions.append(Response.procedure_code.in_(self.procedures))
        return conditions + self._dates()

    def _dates(self) -> list[ColumnElement[bool]]:
        dates: list[ColumnElement[bool]] = []
        # The calendar's first and last days bound nothing (and Vietnam's midnight of the
        # first would fall before year 1 in UTC).
        if self.submitted_from is not None and self.submitted_from > date.min:
            dates.append(Response.submitted_at >= start_of_day(self.submitted_from))
        if self.submitted_to is not None and self.submitted_to < date.max:
            next_day = self.submitted_to + timedelta(days=1)
            dates.append(Response.submitted_at < start_of_day(next_day))
        return dates


def count_responses(session: Session, selection: ResponseFilter) -> int:
    """How many rows a download will hold (for a progress bar)."""
    query = select(func.count()).select_from(Response).where(*selection.conditions())
    return session.scalar(query) or 0


def _unit_codes(session: Session, selection: ResponseFilter) -> dict[int, str]:
    query = select(Unit.id, Unit.code)
    if selection.unit is not None:
        query = query.where(Unit.path.startswith(selection.unit.path))
    return dict(session.execute(query).tuples().all())


def response_rows(session: Session, selection: ResponseFilter) -> Iterator[list[str]]:
    """Each matching response as a row of COLUMNS, oldest first."""
    codes = _unit_codes(session, selection)
    query = (
        select(
            Response.id,
            Response.public_id,
            Response.form_id,
            Response.unit_id,
            Response.channel,
            Response.submitted_at,
            Response.procedure_code,
        )
        .where(*selection.conditions())
        .order_by(Response.id)
        .execution_options(yield_per=CHUNK)
    )
    # Core rows, not ORM ones: a national download reads millions of answers, and the ORM's
    # per-row work made the export several times slower.
    connection = session.connection()
    for chunk in connection.execute(query).partitions():
        answers = _answers(connection, [row.id for row in chunk])
        for row in chunk:
            given = answers.get(row.id, {})
            # A keyed-in form keeps its serial number, whatever its channel (an enumerator's
            # or an e-mailed form typed in later too); any other response is known by its
            # public id.
            yield response_row(
                form_id=row.form_id or row.public_id,
                unit_code=codes.get(row.unit_id, ""),
                period=selection.period.code,
                channel=row.channel,
                submitted_at=row.submitted_at,
                procedure_code=row.procedure_code or given.get(PROCEDURE_QUESTION),
                answers=given,
            )


def _answers(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, str | None]]:
    found: dict[int, dict[str, str | None]] = {}
    query = select(Answer.response_id, Answer.question_key, Answer.value).where(
        Answer.response_id.in_(ids)
    )
    # One fetch for the chunk's answers: row-by-row fetching cost more than the query.
    for response_id, key, value in connection.execute(query).all():
        found.setdefault(response_id, {})[key] = value
    return found


def _counted(rows: Iterable[list[str]], on_progress: Progress | None) -> Iterator[list[str]]:
    """Tell `on_progress` how many rows went out, every CHUNK rows and at the end."""
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == CHUNK and on_progress is not None:
            on_progress(pending)
            pending = 0
    if pending and on_progress is not None:
        on_progress(pending)


def responses_csv(
    session: Session,
    selection: ResponseFilter,
    *,
    dialect: CsvDialect = CsvDialect.plain,
    on_progress: Progress | None = None,
) -> Iterator[bytes]:
    """The CSV as bytes, a chunk at a time (UTF-8 with a BOM): for a streaming response."""
    return csv_chunks(_counted(response_rows(session, selection), on_progress), dialect=dialect)


def write_responses_csv(
    session: Session,
    selection: ResponseFilter,
    out: BinaryIO,
    *,
    dialect: CsvDialect = CsvDialect.plain,
    on_progress: Progress | None = None,
) -> None:
    for chunk in responses_csv(session, selection, dialect=dialect, on_progress=on_progress):
        out.write(chunk)


def _xlsx_cell(column: str, value: str) -> Any:
    if not value:
        return None  # no cell at all: smaller and faster to write than an empty string
    if column in NUMERIC_COLUMNS and value.isdigit():
        return int(value)
    # openpyxl would store a text starting with "=" as a formula: as_text never returns one.
    return as_text(value)


def write_responses_xlsx(
    session: Session,
    selection: ResponseFilter,
    out: BinaryIO,
    *,
    on_progress: Progress | None = None,
) -> None:
    """The same columns in one sheet; openpyxl's write-only mode keeps memory flat."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(list(COLUMNS))
    for written, row in enumerate(_counted(response_rows(session, selection), on_progress)):
        if written == XLSX_ROW_LIMIT:
            # Callers check the count first; this only stops a file no spreadsheet would open.
            raise TooManyForXlsx(count=count_responses(session, selection), limit=XLSX_ROW_LIMIT)
        sheet.append([_xlsx_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)])
    workbook.save(out)

"""Raw responses out, in the methodology's CSV format (or XLSX with the same columns).

Streamed: responses are read `yield_per` a thousand at a time with their answers, and rows
leave as they are made, so a route can send a national file without holding it in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hailong.models import Answer, Period, Response, ResponseStatus, Unit
from hailong.responses.csvformat import (
    COLUMNS,
    CRITERIA_COLUMNS,
    PROCEDURE_QUESTION,
    csv_chunks,
    response_row,
)

CHUNK = 1000
# Cells that spreadsheets should see as numbers (codes 1-5 and 1-3).
NUMERIC_COLUMNS = frozenset((*CRITERIA_COLUMNS, "harassment", "extra_payment"))


@dataclass(frozen=True)
class ResponseFilter:
    """What a download holds: completed responses of a period, narrowed as the official asks."""

    period: Period
    unit: Unit | None = None  # the unit and everything below it
    channels: tuple[str, ...] | None = None
    review_states: tuple[str, ...] | None = None
    statuses: tuple[str, ...] = (ResponseStatus.completed.value,)

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            Response.period_id == self.period.id,
            Response.status.in_(self.statuses),
        ]
        if self.unit is not None:
            subtree = select(Unit.id).where(Unit.path.startswith(self.unit.path))
            conditions.append(Response.unit_id.in_(subtree))
        if self.channels:
            conditions.append(Response.channel.in_(self.channels))
        if self.review_states:
            conditions.append(Response.review_state.in_(self.review_states))
        return conditions


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
    for chunk in session.execute(query).partitions():
        answers = _answers(session, [row.id for row in chunk])
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


def _answers(session: Session, ids: Sequence[int]) -> dict[int, dict[str, str | None]]:
    found: dict[int, dict[str, str | None]] = {}
    rows = session.execute(
        select(Answer.response_id, Answer.question_key, Answer.value).where(
            Answer.response_id.in_(ids)
        )
    )
    for response_id, key, value in rows:
        found.setdefault(response_id, {})[key] = value
    return found


def responses_csv(session: Session, selection: ResponseFilter) -> Iterator[bytes]:
    """The CSV as bytes, a chunk at a time (UTF-8 with a BOM): for a streaming response."""
    return csv_chunks(response_rows(session, selection))


def write_responses_csv(session: Session, selection: ResponseFilter, out: BinaryIO) -> None:
    for chunk in responses_csv(session, selection):
        out.write(chunk)


def _xlsx_cell(column: str, value: str) -> Any:
    if column in NUMERIC_COLUMNS and value.isdigit():
        return int(value)
    return value


def write_responses_xlsx(session: Session, selection: ResponseFilter, out: BinaryIO) -> None:
    """The same columns in one sheet; openpyxl's write-only mode keeps memory flat."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(list(COLUMNS))
    for row in response_rows(session, selection):
        sheet.append([_xlsx_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)])
    workbook.save(out)

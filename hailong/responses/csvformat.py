"""The responses CSV of sipas-methodology.md ("Data formats"): columns, and rows to and from text.

Shared by the export and the import of paper forms, so a file we write always reads back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum

from hailong.periods.service import VIETNAM
from hailong.spreadsheet import as_code, as_text, from_text, text_cells

FORM_ID = "form_id"
UNIT_CODE = "unit_code"
PERIOD = "period"
CHANNEL = "channel"
SUBMITTED_AT = "submitted_at"
PROCEDURE_CODE = "procedure_code"
META_COLUMNS = (FORM_ID, UNIT_CODE, PERIOD, CHANNEL, SUBMITTED_AT, PROCEDURE_CODE)
CRITERIA_COLUMNS = (
    "A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4",
    "C1", "C2", "C3", "C4", "C5", "D1", "D2", "D3", "E1", "E2", "E3",
)  # fmt: skip
# Every column after the metadata is named by the question key it holds.
ANSWER_COLUMNS = (
    "respondent_type",
    "gender",
    "age_group",
    "education",
    "received_result",
    "gave_feedback",
    *CRITERIA_COLUMNS,
    "harassment",
    "extra_payment",
    "priorities",
    "comment",
)
COLUMNS = (*META_COLUMNS, *ANSWER_COLUMNS)
# The procedure column holds the answer to this question.
PROCEDURE_QUESTION = "procedure"
BOM = "\ufeff"
# Columns holding codes that Excel would turn into numbers or dates (00007, 2026-03, 1.001612).
CODE_COLUMNS = (FORM_ID, UNIT_CODE, PERIOD, PROCEDURE_CODE)


class CsvDialect(StrEnum):
    """How a CSV is written. Both are UTF-8 with a BOM and CRLF line ends."""

    plain = "plain"  # a comma between cells and a point in numbers: for programs and scripts
    # A semicolon and a decimal comma, codes kept as written: what Excel on a Windows set to
    # Vietnamese opens in one click (its list separator is ";" there, its decimal sign ",").
    excel_vi = "excel-vi"


def excel_vi_cells(cells: Sequence[object], codes: frozenset[int]) -> list[object]:
    """A row for Excel in Vietnamese: decimal commas, the cells at `codes` kept as codes, and
    every other text cell as text no spreadsheet evaluates."""
    row: list[object] = []
    for position, cell in enumerate(cells):
        if isinstance(cell, Decimal | float):
            row.append(str(cell).replace(".", ","))
        elif isinstance(cell, str) and cell:
            row.append(as_code(cell) if position in codes else as_text(cell))
        else:
            row.append(cell)
    return row


@dataclass(frozen=True)
class HeaderProblem:
    """Why a header row is refused: extra, missing, repeated or out of order, and which columns."""

    kind: str
    columns: tuple[str, ...]


def header_problems(header: Sequence[object]) -> list[HeaderProblem]:
    names = [str(name or "").strip() for name in header]
    if names and names[0].startswith(BOM):
        names[0] = names[0][len(BOM) :]
    problems = []
    extra = tuple(n for n in names if n not in COLUMNS)
    missing = tuple(c for c in COLUMNS if c not in names)
    repeated = tuple(sorted({n for n in names if names.count(n) > 1}))
    for kind, columns in (("extra", extra), ("missing", missing), ("repeated", repeated)):
        if columns:
            problems.append(HeaderProblem(kind, columns))
    if not problems and tuple(names) != COLUMNS:
        problems.append(HeaderProblem("order", COLUMNS))
    return problems


def format_submitted_at(value: datetime | None) -> str:
    """ISO 8601 in Vietnam's time zone. A naive value is UTC (SQLite keeps no offset)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VIETNAM).isoformat(timespec="seconds")


def parse_submitted_at(text: str) -> datetime:
    """An ISO 8601 date or date-time; Asia/Ho_Chi_Minh when no offset is given. Returns UTC.

    Raises ValueError on anything else.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty")
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), time(0, 0))
    else:
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def response_row(
    *,
    form_id: str,
    unit_code: str,
    period: str,
    channel: str,
    submitted_at: datetime | None,
    procedure_code: str | None,
    answers: Mapping[str, str | None],
) -> list[str]:
    """One response as the CSV's cells, in column order; empty cells for missing answers."""
    return [
        form_id,
        unit_code,
        period,
        channel,
        format_submitted_at(submitted_at),
        procedure_code or "",
        *((answers.get(column) or "") for column in ANSWER_COLUMNS),
    ]


@dataclass(frozen=True)
class FormRow:
    """One row of a responses file, cells stripped; empty cells are None."""

    line: int
    form_id: str | None
    unit_code: str | None
    period: str | None
    channel: str | None
    submitted_at: str | None
    procedure_code: str | None
    answers: dict[str, str | None]


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a spreadsheet turns "5" into 5.0
    else:
        text = str(value)
    return from_text(text.strip()) or None


def form_row(line: int, cells: Sequence[object]) -> FormRow:
    """A row of cells in COLUMNS order (the header was checked first)."""
    values: list[str | None]
    if all(isinstance(cell, str) for cell in cells):
        # A CSV row: text already (the usual case, a million times in a national file).
        values = [from_text(str(cell).strip()) or None for cell in cells]
    else:
        values = [_cell(c) for c in cells]
    meta = dict(zip(META_COLUMNS, values, strict=False))
    answers = dict(zip(ANSWER_COLUMNS, values[len(META_COLUMNS) :], strict=False))
    return FormRow(
        line=line,
        form_id=meta.get(FORM_ID),
        unit_code=meta.get(UNIT_CODE),
        period=meta.get(PERIOD),
        channel=meta.get(CHANNEL),
        submitted_at=meta.get(SUBMITTED_AT),
        procedure_code=meta.get(PROCEDURE_CODE),
        answers=answers,
    )


def csv_chunks(
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[str] = COLUMNS,
    codes: Iterable[str] = CODE_COLUMNS,
    dialect: CsvDialect = CsvDialect.plain,
    rows_per_chunk: int = 500,
) -> Iterator[bytes]:
    """UTF-8 CSV bytes with a BOM (Excel then reads the Vietnamese right), a chunk at a time.

    The header is the responses format's unless another table (the index) gives its own, with
    the names of its `codes` columns. Every text cell goes out as text a spreadsheet will not
    evaluate (`hailong.spreadsheet`); for Excel in Vietnamese, codes go out as `="00007"`.
    """
    buffer = io.StringIO()
    excel = dialect is CsvDialect.excel_vi
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n")
    code_positions = frozenset(i for i, name in enumerate(header) if name in set(codes))
    buffer.write(BOM)
    writer.writerow(text_cells(header))
    pending = 0
    for row in rows:
        writer.writerow(excel_vi_cells(row, code_positions) if excel else text_cells(row))
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")

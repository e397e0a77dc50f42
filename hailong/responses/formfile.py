"""Reading a responses file row by row: CSV (UTF-8, with or without a BOM) or XLSX.

Rows are streamed, never loaded whole, so a national file costs no more memory than a small one.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from hailong.responses.csvformat import COLUMNS

# (line number, cells, position) where position counts in the file's own unit: bytes of a
# CSV, rows of a spreadsheet. It drives the progress bar.
FileRow = tuple[int, Sequence[object], int]
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


class UnreadableFile(Exception):
    """A spreadsheet that openpyxl cannot read (not an XLSX file, or a damaged one)."""


def _xlsx_errors() -> tuple[type[Exception], ...]:
    from openpyxl.utils.exceptions import InvalidFileException

    return (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, InvalidFileException)


class FormFile:
    """A CSV or XLSX responses file, with a size for progress."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.is_xlsx = path.suffix.lower() in XLSX_SUFFIXES

    def total(self) -> int:
        if not self.is_xlsx:
            return self.path.stat().st_size
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
            try:
                return workbook.worksheets[0].max_row or 0
            finally:
                workbook.close()
        except _xlsx_errors() as error:
            raise UnreadableFile(str(error)) from error

    def rows(self) -> Iterator[FileRow]:
        """Every row, the header first."""
        if self.is_xlsx:
            yield from self._xlsx_rows()
        else:
            with self.path.open("rb") as raw:
                yield from _csv_rows(raw)

    def _xlsx_rows(self) -> Iterator[FileRow]:
        from openpyxl import load_workbook

        try:
            # Read-only mode parses the sheet as it goes instead of building it in memory.
            workbook = load_workbook(self.path, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield line, trim(cells, pad=line > 1), line
            finally:
                workbook.close()
        except _xlsx_errors() as error:
            raise UnreadableFile(str(error)) from error


def trim(cells: Sequence[object], *, pad: bool) -> Sequence[object]:
    """A spreadsheet row as long as the header: a spreadsheet does not tell an empty cell at
    the end of a row from no cell, so only filled cells past the header are extra, and a data
    row (`pad`) that stops early has empty cells after."""
    end = len(cells)
    while end > len(COLUMNS) and is_blank(cells[end - 1 : end]):
        end -= 1
    padding = (None,) * (len(COLUMNS) - end) if pad else ()
    return (*cells[:end], *padding)


def _csv_rows(raw: BinaryIO) -> Iterator[FileRow]:
    # utf-8-sig drops a BOM when there is one (Excel writes it) and reads plain UTF-8 as well.
    # surrogateescape: a byte that is not UTF-8 is kept as a lone surrogate, so the row that
    # holds it is reported with its own line instead of failing a whole read-ahead chunk.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    first_line = 1
    for cells in reader:
        # A quoted cell may span lines: a row is named by the line where it starts.
        yield first_line, cells, raw.tell()
        first_line = reader.line_num + 1


def not_utf8(cells: Sequence[object]) -> bool:
    """A row of a CSV file that holds bytes that are not UTF-8 (see _csv_rows)."""
    return _ESCAPED_BYTE.search("".join(str(cell) for cell in cells)) is not None


def is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)

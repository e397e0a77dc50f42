"""A list of per-unit quotas from a file (`unit_code,quota`, CSV or XLSX): read whole, every
bad line named, before anything is stored."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hailong.errors import BadInput
from hailong.i18n import N_

COLUMNS = ("unit_code", "quota")
MAX_ROWS = 20_000


class QuotaFileRejected(BadInput):
    message = N_("Nothing was changed. Lines of the file to correct: {lines}")


@dataclass(frozen=True)
class QuotaLine:
    line: int
    unit_code: str
    quota: int


def _rows(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # not a workbook at all: said as line 1
            raise QuotaFileRejected(lines="1") from None
        try:
            return [
                ["" if cell is None else str(cell).strip() for cell in row]
                for row in workbook.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    text = data.decode("utf-8-sig", errors="replace")
    # Excel on a Vietnamese Windows saves CSV with semicolons: accept either.
    delimiter = "," if text.count(",") >= text.count(";") else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [[cell.strip() for cell in row] for row in reader]


def read_quota_file(data: bytes, filename: str) -> tuple[list[QuotaLine], list[int]]:
    """The file's good lines and the numbers of its bad ones (1 = the header); a file
    without the header is refused at once."""
    rows = _rows(data, filename)
    if not rows or [c.lower() for c in rows[0][:2]] != list(COLUMNS) or len(rows) > MAX_ROWS:
        raise QuotaFileRejected(lines="1")
    found: list[QuotaLine] = []
    bad: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        code = row[0] if row else ""
        value = row[1] if len(row) > 1 else ""
        try:
            # A spreadsheet may hand back 30 as "30.0".
            quota = int(float(value)) if value.endswith(".0") else int(value)
        except ValueError:
            bad.append(number)
            continue
        if not code or quota < 0:
            bad.append(number)
            continue
        found.append(QuotaLine(number, code, quota))
    return found, bad

"""Reading `dossier_id,unit_code,procedure_code,email` rows, each with its line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hailong.errors import BadInput
from hailong.i18n import N_

COLUMNS = ("dossier_id", "unit_code", "procedure_code", "email")


class BadHeader(BadInput):
    message = N_("The file's first line must name the columns {columns}.")


class NotText(BadInput):
    message = N_("The file is not UTF-8 text (save it from the spreadsheet as CSV UTF-8).")


@dataclass(frozen=True)
class Row:
    line: int
    dossier_id: str
    unit_code: str
    procedure_code: str
    email: str


def read_rows(path: Path) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise NotText() from None
    return list(_rows(text))


def _rows(text: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or ()]
    if not set(COLUMNS) <= set(header):
        raise BadHeader(columns=",".join(COLUMNS))
    reader.fieldnames = header
    for record in reader:
        values = {name: (record.get(name) or "").strip() for name in COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        yield Row(line=reader.line_num, **values)

"""Keyed-in paper forms for tests: rows of the methodology's responses CSV, and files of them."""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from hailong.models import Period, Unit
from hailong.responses.csvformat import BOM, COLUMNS, CRITERIA_COLUMNS
from tests.factories import make_period, make_unit

PERIOD = "2026"
Form = dict[str, str]


def setup_units_and_period(session: Session) -> tuple[Period, list[Unit]]:
    """A province with three wards and the 2026 period, committed."""
    province = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
    wards = [
        make_unit(session, code="11413", name="Phường Hải An", parent=province),
        make_unit(session, code="11341", name="Phường Ngô Quyền", parent=province),
        make_unit(session, code="11311", name="Xã Hà Đông", parent=province),
    ]
    period = make_period(session, code=PERIOD, start=date(2026, 1, 1), end=date(2026, 12, 31))
    session.commit()
    return period, wards


def form(serial: int, unit_code: str = "11413", **changes: str) -> Form:
    """A complete, valid form: the citizen gave no feedback, so element E is empty."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        form_id=f"HA-{serial:05d}",
        unit_code=unit_code,
        period=PERIOD,
        channel="paper",
        submitted_at="2026-03-02T09:15:00+07:00",
        procedure_code="1.001193",
        received_result="yes",
        gave_feedback="no",
        harassment="1",
        extra_payment="1",
        priorities="P1;P4",
        respondent_type="individual",
    )
    for key in CRITERIA_COLUMNS[:16]:
        row[key] = "4"
    row.update(changes)
    return row


def varied_form(serial: int, unit_code: str, rng: random.Random) -> Form:
    """A valid form with answers drawn at random, element E only after feedback."""
    feedback = rng.random() < 0.4
    changes = {
        "gave_feedback": "yes" if feedback else "no",
        "submitted_at": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:00+07:00",
        "channel": rng.choice(["paper", "paper", "interview", "email"]),
        "procedure_code": rng.choice(["1.001193", "2.000908", ""]),
        "harassment": rng.choice("1112"),
        "extra_payment": rng.choice("1113"),
        "priorities": ";".join(rng.sample(["P1", "P2", "P3", "P4", "P5", "P6", "P7"], 2)),
        "gender": rng.choice(["male", "female", ""]),
        "comment": rng.choice(["", "Cán bộ nhiệt tình, chu đáo.", 'Nên có "ghế chờ",\nquạt mát.']),
    }
    for key in CRITERIA_COLUMNS:
        if key.startswith("E") and not feedback:
            continue
        changes[key] = rng.choice(["1", "2", "3", "4", "5", "5", "4", ""])
    return form(serial, unit_code, **changes)


def csv_text(rows: Iterable[Mapping[str, str]], *, columns: Sequence[str] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def write_forms(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    bom: bool = True,
    columns: Sequence[str] = COLUMNS,
) -> Path:
    path.write_text((BOM if bom else "") + csv_text(rows, columns=columns), encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    """The same forms as a spreadsheet, typed the way Excel keeps them: numbers as numbers."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_typed(row[column]) for column in COLUMNS])
    workbook.save(path)
    return path


def _typed(value: str) -> object:
    return int(value) if value.isdigit() else (value or None)


def read_csv(path: Path) -> list[Form]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def reported_lines(stderr: str) -> list[int]:
    """Line numbers of the bad rows, from the Vietnamese half of each message."""
    return [int(number) for number in re.findall(r"^Dòng (\d+):", stderr, flags=re.MULTILINE)]


def messages_for(stderr: str, line: int) -> list[str]:
    """The English halves of the messages about one line."""
    found = []
    for message in stderr.splitlines():
        if message.startswith(f"Dòng {line}:") and f" / Line {line}: " in message:
            found.append(message.split(f" / Line {line}: ", 1)[1])
    return found

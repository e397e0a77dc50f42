"""`hailong download responses`: the methodology's format, and only what the filters let through."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hailong.periods.service import VIETNAM
from hailong.responses.csvformat import COLUMNS
from tests.reports.conftest import Hailong
from tests.reports.dataset import FORMS, PERIOD, Dataset, Form

BOM = b"\xef\xbb\xbf"
# Each case: the options given, and which forms must come out (decided from the forms' own data).
Case = tuple[list[str], Callable[[Form], bool]]
CASES: dict[str, Case] = {
    "everything completed": ([], lambda f: True),
    "unit subtree": (["--unit", "11413"], lambda f: f.unit == "11413"),
    "province subtree": (["--unit", "31"], lambda f: True),
    "channels": (
        ["--channel", "web", "--channel", "paper"],
        lambda f: f.channel in ("web", "paper"),
    ),
    "procedure": (["--procedure", "2.000908"], lambda f: f.procedure == "2.000908"),
    "date range": (
        ["--from", "2026-03-05", "--to", "2026-04-15"],
        lambda f: date(2026, 3, 5) <= f.day <= date(2026, 4, 15),
    ),
    # Submitted at 00:30 in Vietnam on 10 March, which is still 9 March in UTC.
    "one day in Vietnam's calendar": (
        ["--from", "2026-03-10", "--to", "2026-03-10"],
        lambda f: f.day == date(2026, 3, 10),
    ),
    "review state": (["--review-state", "rejected"], lambda f: f.rejected),
    "together": (
        ["--unit", "11413", "--channel", "web", "--from", "2026-03-01", "--to", "2026-03-31"],
        lambda f: f.unit == "11413" and f.channel == "web" and f.day.month == 3,
    ),
}


def days_in_csv(data: bytes) -> list[date]:
    assert data.startswith(BOM)
    header, *rows = csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8")))
    assert tuple(header) == COLUMNS
    return [submitted_day(row[COLUMNS.index("submitted_at")]) for row in rows]


def submitted_day(text: str) -> date:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None
    return moment.astimezone(VIETNAM).date()


def expected_days(keep: Callable[[Form], bool]) -> list[date]:
    # Every form of the data set was submitted on a day of its own: the day names the form.
    return sorted(f.day for f in FORMS if keep(f))


class TestFilters:
    @pytest.mark.parametrize("case", list(CASES))
    def test_csv_holds_only_what_the_filters_let_through(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path, case: str
    ) -> None:
        options, keep = CASES[case]
        target = tmp_path / "responses.csv"
        result = hailong("download", "responses", "--period", PERIOD, *options, "-o", str(target))
        assert result.exit_code == 0, result.stderr
        assert sorted(days_in_csv(target.read_bytes())) == expected_days(keep)

    def test_counter(self, hailong: Hailong, dataset: Dataset, tmp_path: Path) -> None:
        second = dataset.counters["11413"][1]
        target = tmp_path / "responses.csv"
        args = ("--period", PERIOD, "--counter", str(second), "-o", str(target))
        result = hailong("download", "responses", *args)
        assert result.exit_code == 0, result.stderr
        keep = lambda f: f.unit == "11413" and f.counter == 2  # noqa: E731
        assert sorted(days_in_csv(target.read_bytes())) == expected_days(keep)

    def test_xlsx_holds_the_same_rows_with_numbers(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        options, keep = CASES["together"]
        target = tmp_path / "responses.xlsx"
        result = hailong("download", "responses", "--period", PERIOD, *options, "-o", str(target))
        assert result.exit_code == 0, result.stderr
        header, *rows = load_workbook(target).active.iter_rows(values_only=True)
        assert header == COLUMNS
        at = {name: COLUMNS.index(name) for name in COLUMNS}
        assert sorted(submitted_day(row[at["submitted_at"]]) for row in rows) == expected_days(keep)
        by_day = {f.day: f for f in FORMS}
        for row in rows:
            form = by_day[submitted_day(row[at["submitted_at"]])]
            answers = form.answers()
            for key in ("A1", "B2", "C5", "D3"):
                expected = answers[key]
                assert row[at[key]] == (None if expected is None else int(expected))
            assert row[at["unit_code"]] == form.unit and row[at["channel"]] == form.channel


class TestRefusals:
    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (["--channel", "fax"], "fax không phải là kênh khảo sát"),
            (["--counter", "999999"], "Không có quầy nào có mã số 999999."),
            (["--from", "2026-02-30"], "2026-02-30 không phải là ngày"),
            (["--from", "2026-04-01", "--to", "2026-03-01"], "Ngày bắt đầu 2026-04-01 đứng sau"),
            (["--unit", "nowhere"], "Không có đơn vị nào mang mã nowhere"),
        ],
    )
    def test_polite_and_no_file(
        self,
        hailong: Hailong,
        dataset: Dataset,
        tmp_path: Path,
        options: list[str],
        message: str,
    ) -> None:
        folder = tmp_path / "out"
        folder.mkdir()
        target = folder / "responses.csv"
        result = hailong("download", "responses", "--period", PERIOD, *options, "-o", str(target))
        assert result.exit_code == 1
        assert message in result.stderr
        assert list(folder.iterdir()) == []


class TestXlsxLimit:
    def test_more_rows_than_a_sheet_holds_is_refused(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A real sheet holds 1,048,575 rows under its header; a smaller limit shows the rule.
        import hailong.reports.cli as command

        monkeypatch.setattr(command, "XLSX_ROW_LIMIT", 3)
        folder = tmp_path / "out"
        folder.mkdir()
        target = folder / "responses.xlsx"
        result = hailong("download", "responses", "--period", PERIOD, "-o", str(target))
        assert result.exit_code == 1
        assert f"{len(FORMS)} phiếu không vừa một trang tính XLSX (tối đa 3)" in result.stderr
        assert list(folder.iterdir()) == []
        csv_target = folder / "responses.csv"
        result = hailong("download", "responses", "--period", PERIOD, "-o", str(csv_target))
        assert result.exit_code == 0, result.stderr

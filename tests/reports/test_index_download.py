"""The index table as CSV and XLSX: the figures a test computes by hand from the forms."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from hailong.index.service import ChannelGroup
from hailong.periods.service import get_by_code
from hailong.reports.index_table import index_csv, write_index_csv, write_index_xlsx
from hailong.reports.selection import IndexSelection
from hailong.units.service import get_by_code as unit_by_code
from tests.reports.conftest import Hailong
from tests.reports.dataset import (
    CHILDREN,
    CRITERIA,
    ELEMENT_LABELS,
    ELEMENTS,
    PERIOD,
    PROVINCE,
    Dataset,
    Expected,
    expected_parent,
    expected_tree,
    shown,
)

BOM = b"\xef\xbb\xbf"
LEVELS_VI = {
    "province": "Tỉnh/Thành phố",
    "commune": "Xã/Phường",
    "department": "Sở/ngành",
}
FIGURE_HEADERS = [
    "Chỉ số SIPAS (%)",
    *(f"Yếu tố {code}: {label} (%)" for code, label in ELEMENT_LABELS.items()),
    *(f"Tiêu chí {key} (%)" for key in CRITERIA),
]
CSV_HEADER = ["Cấp", "Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Số phiếu", *FIGURE_HEADERS]


def figures(expected: Expected) -> list[str]:
    return [
        shown(expected.sipas),
        *(shown(expected.elements[code]) for code in ELEMENTS),
        *(shown(expected.criteria[key]) for key in CRITERIA),
    ]


def expected_rows(dataset: Dataset, *, official: bool = True) -> list[list[str]]:
    """The province first, then its units in code order, each with its figures."""
    tree = expected_tree(dataset, official=official)
    province = tree[PROVINCE.code]
    rows = [["Tỉnh/Thành phố", PROVINCE.code, PROVINCE.name, "", str(province.responses)]]
    rows[0] += figures(province)
    for place in CHILDREN:
        unit = tree[place.code]
        row = [LEVELS_VI[place.level], place.code, place.name, PROVINCE.code, str(unit.responses)]
        rows.append(row + figures(unit))
    return rows


def selection(session: Session, unit: str | None, channels: str = "official") -> IndexSelection:
    period = get_by_code(session, PERIOD)
    assert period is not None
    found = None if unit is None else unit_by_code(session, unit)
    return IndexSelection(period, found, ChannelGroup(channels))


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"))))


class TestIndexCsv:
    def test_province_reads_back_to_the_hand_computed_rows(
        self, session: Session, dataset: Dataset
    ) -> None:
        out = io.BytesIO()
        write_index_csv(session, selection(session, PROVINCE.code), out)
        header, *rows = read_csv(out.getvalue())
        assert header == CSV_HEADER
        assert rows == expected_rows(dataset)

    def test_streamed_chunks_are_the_same_file(self, session: Session, dataset: Dataset) -> None:
        out = io.BytesIO()
        write_index_csv(session, selection(session, PROVINCE.code), out)
        chunks = list(index_csv(session, selection(session, PROVINCE.code)))
        assert all(isinstance(chunk, bytes) for chunk in chunks)
        assert b"".join(chunks) == out.getvalue()

    def test_all_channels_count_the_reference_channels_too(
        self, session: Session, dataset: Dataset
    ) -> None:
        out = io.BytesIO()
        write_index_csv(session, selection(session, PROVINCE.code, "all"), out)
        _, *rows = read_csv(out.getvalue())
        assert rows == expected_rows(dataset, official=False)
        # Hải An's Telegram form counts only with every channel.
        assert rows[1][4] == str(len(dataset.counted(["11413"], official=False))) == "4"

    def test_one_unit_names_its_parent(self, session: Session, dataset: Dataset) -> None:
        out = io.BytesIO()
        write_index_csv(session, selection(session, "11413"), out)
        _, *rows = read_csv(out.getvalue())
        assert rows == [expected_rows(dataset)[1]]

    def test_the_country_comes_first(self, session: Session, dataset: Dataset) -> None:
        out = io.BytesIO()
        write_index_csv(session, selection(session, None), out)
        _, country, *rows = read_csv(out.getvalue())
        province = expected_tree(dataset)[PROVINCE.code]
        national = expected_parent([province])
        assert country == ["", "", "Cả nước", "", str(province.responses), *figures(national)]
        assert rows == expected_rows(dataset)

    def test_a_unit_without_responses_has_empty_figures(
        self, session: Session, dataset: Dataset
    ) -> None:
        out = io.BytesIO()
        write_index_csv(session, selection(session, "11415"), out)
        _, row = read_csv(out.getvalue())
        assert row[:5] == ["Xã/Phường", "11415", "Xã Hà Đông", "31", "0"]
        assert row[5:] == [""] * len(FIGURE_HEADERS)


class TestIndexXlsx:
    def test_one_sheet_per_level_with_numbers(self, session: Session, dataset: Dataset) -> None:
        out = io.BytesIO()
        write_index_xlsx(session, selection(session, PROVINCE.code), out)
        out.seek(0)
        workbook = load_workbook(out)
        assert workbook.sheetnames == [
            "Tỉnh - Thành phố",
            "Xã - Phường",
            "Sở - ngành",
            "Chú giải các cột",
        ]
        expected = {row[1]: row for row in expected_rows(dataset)}
        for sheet_name, codes in (
            ("Tỉnh - Thành phố", ["31"]),
            ("Xã - Phường", ["11413", "11414", "11415"]),
            ("Sở - ngành", ["31.STP"]),
        ):
            sheet = workbook[sheet_name]
            header, *rows = list(sheet.iter_rows())
            assert [c.value for c in header] == CSV_HEADER[1:]
            assert sheet.freeze_panes == "C2"
            assert sheet.column_dimensions["B"].width >= 30  # names are long
            assert [row[0].value for row in rows] == codes
            for row in rows:
                self.assert_row(row, expected[row[0].value])

    def assert_row(self, cells: tuple, expected: list[str]) -> None:  # type: ignore[type-arg]
        code, name, parent, responses, *numbers = cells
        assert [code.value, name.value, parent.value or ""] == expected[1:4]
        assert responses.value == int(expected[4])
        for cell, text in zip(numbers, expected[5:], strict=True):
            if text == "":
                assert cell.value is None
            else:
                assert isinstance(cell.value, int | float)
                assert cell.value == pytest.approx(float(text), abs=1e-9)
                assert cell.number_format == "0.00"

    def test_key_sheet_spells_out_each_criterion(self, session: Session, dataset: Dataset) -> None:
        out = io.BytesIO()
        write_index_xlsx(session, selection(session, PROVINCE.code), out)
        out.seek(0)
        sheet = load_workbook(out)["Chú giải các cột"]
        header, *rows = sheet.iter_rows(values_only=True)
        assert header == ("Cột", "Yếu tố", "Tiêu chí")
        assert [row[0] for row in rows] == list(CRITERIA)
        assert rows[0][1] == "A. Tiếp cận dịch vụ"
        assert rows[0][2].startswith("Cơ quan cung cấp thông tin")

    def test_the_country_has_its_own_sheet(self, session: Session, dataset: Dataset) -> None:
        out = io.BytesIO()
        write_index_xlsx(session, selection(session, None), out)
        out.seek(0)
        workbook = load_workbook(out)
        assert workbook.sheetnames[0] == "Cả nước"
        rows = list(workbook["Cả nước"].iter_rows(min_row=2, values_only=True))
        assert [row[1] for row in rows] == ["Cả nước"]


class TestCommand:
    def test_writes_csv(self, hailong: Hailong, dataset: Dataset, tmp_path: Path) -> None:
        target = tmp_path / "index.csv"
        result = hailong("download", "index", "--period", PERIOD, "--unit", "31", "-o", str(target))
        assert result.exit_code == 0, result.stderr
        assert "Đã ghi vào" in result.stdout
        _, *rows = read_csv(target.read_bytes())
        assert rows == expected_rows(dataset)
        assert not list(tmp_path.glob("*.part"))

    def test_writes_xlsx_for_all_channels(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        target = tmp_path / "index.xlsx"
        args = ("--period", PERIOD, "--unit", "31", "--channels", "all", "-o", str(target))
        result = hailong("download", "index", *args)
        assert result.exit_code == 0, result.stderr
        sheet = load_workbook(target)["Xã - Phường"]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        expected = expected_rows(dataset, official=False)[1:4]
        assert [(row[0], row[3]) for row in rows] == [(e[1], int(e[4])) for e in expected]

    def test_wrong_suffix_is_refused_politely(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        target = tmp_path / "out" / "index.txt"
        target.parent.mkdir()
        result = hailong("download", "index", "--period", PERIOD, "-o", str(target))
        assert result.exit_code == 1
        assert "Tên tệp phải có đuôi .csv / .xlsx." in result.stderr
        assert list(target.parent.iterdir()) == []

    def test_unknown_period_and_unit(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        folder = tmp_path / "out"
        folder.mkdir()
        target = str(folder / "index.csv")
        result = hailong("download", "index", "--period", "1999", "-o", target)
        assert result.exit_code == 1 and "Không có đợt khảo sát nào mang mã 1999" in result.stderr
        result = hailong("download", "index", "--period", PERIOD, "--unit", "nowhere", "-o", target)
        assert result.exit_code == 1 and "Không có đơn vị nào mang mã nowhere" in result.stderr
        assert list(folder.iterdir()) == []

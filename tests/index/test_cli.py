"""`hailong index` as an official runs it: JSON, CSV and a table, per unit, counter and field."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.admin.conftest import Hailong, as_json
from tests.factories import make_counter
from tests.index.survey import (
    answer_all,
    as_shown,
    child,
    expected_figures,
    figures_of,
    mean_of_units,
    shown,
    small_period,
    units,
)

ELEMENTS = {"A": ("A1", "A2"), "B": ("B1",)}
# Ward X answers by interview (official) and on the web (not official in this period);
# ward Y by interview only; ward Z has no response.
X_OFFICIAL = [
    {"A1": "5", "A2": "4", "B1": "2"},
    {"A1": "4", "A2": None, "B1": "4"},
    {"A1": "1", "A2": "2", "B1": "5"},
]
X_WEB = [{"A1": "1", "A2": "1", "B1": "1"}]
Y_OFFICIAL = [{"A1": "3", "A2": "5", "B1": None}, {"A1": "5", "A2": "5", "B1": None}]
PERIOD = "2026"


@pytest.fixture
def survey(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        period = small_period(session, "cli-form", ELEMENTS, official=("interview",))
        period.code = PERIOD
        tree = units(session, {"P": None, "X": "P", "Y": "P", "Z": "P"})
        counter, _ = make_counter(session, tree["X"], name="Quầy 1")
        answer_all(session, period, tree["X"], X_OFFICIAL, channel="interview", counter=counter)
        answer_all(session, period, tree["X"], X_WEB, channel="web", counter=counter)
        answer_all(session, period, tree["Y"], Y_OFFICIAL, channel="interview")


def expected(official_only: bool = True) -> dict[str, dict[str, Any]]:
    x_forms = X_OFFICIAL if official_only else X_OFFICIAL + X_WEB
    x = expected_figures(x_forms, ELEMENTS)
    y = expected_figures(Y_OFFICIAL, ELEMENTS)
    return {"X": x, "Y": y, "P": mean_of_units([x, y])}


def two_decimals(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@pytest.mark.usefixtures("survey")
class TestJson:
    def test_a_unit_and_its_children(self, hailong: Hailong) -> None:
        found = as_json(hailong("index", "--period", PERIOD, "--unit", "P", "--format", "json"))

        figures = expected()
        assert found["unit"] == "P" and found["period"] == PERIOD
        assert found["channels"] == "official"
        assert found["responses"] == len(X_OFFICIAL) + len(Y_OFFICIAL)
        assert figures_of(found) == as_shown(figures["P"])
        assert [c["unit"] for c in found["children"]] == ["X", "Y", "Z"]
        assert figures_of(child(found, "X")) == as_shown(figures["X"])
        assert figures_of(child(found, "Y")) == as_shown(figures["Y"])
        assert child(found, "Y")["criteria"]["B1"] == {
            "index": None,
            "valid": 0,
            "satisfied": 0,
            "counts": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        }
        assert child(found, "Z")["responses"] == 0 and child(found, "Z")["sipas"] is None
        assert all(c["children"] == [] for c in found["children"])

    def test_all_channels(self, hailong: Hailong) -> None:
        found = as_json(
            hailong(
                "index", "--period", PERIOD, "--unit", "X", "--channels", "all", "--format", "json"
            )
        )

        assert found["channels"] == "all"
        assert found["responses"] == len(X_OFFICIAL) + len(X_WEB)
        assert figures_of(found) == as_shown(expected(official_only=False)["X"])

    def test_the_whole_country_without_a_unit(self, hailong: Hailong) -> None:
        found = as_json(hailong("index", "--period", PERIOD, "--format", "json"))

        assert found["unit"] is None and found["name"] == "Cả nước"
        assert [c["unit"] for c in found["children"]] == ["P"]
        assert figures_of(found) == as_shown(expected()["P"])

    def test_per_counter(self, hailong: Hailong) -> None:
        found = as_json(
            hailong(
                "index", "--period", PERIOD, "--unit", "X", "--by", "counter", "--format", "json"
            )
        )

        assert found["unit"] == "X"
        assert [c["counter"] for c in found["counters"]] == ["Quầy 1"]
        assert found["counters"][0]["sipas"] == shown(expected()["X"]["sipas"])

    def test_per_field(self, hailong: Hailong) -> None:
        found = as_json(hailong("index", "--period", PERIOD, "--by", "field", "--format", "json"))

        # The small form asks no procedure: every response is in the "" (no field) group.
        assert [f["field"] for f in found["fields"]] == [""]
        assert found["fields"][0]["sipas"] == shown(expected()["P"]["sipas"])


def parse_csv(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


@pytest.mark.usefixtures("survey")
class TestCsv:
    def test_one_row_per_unit_with_two_decimals(self, hailong: Hailong) -> None:
        result = hailong("index", "--period", PERIOD, "--unit", "P", "--format", "csv")
        assert result.exit_code == 0, result.stderr

        rows = parse_csv(result.stdout)
        header = list(rows[0])
        assert header == [
            "period", "channels", "unit", "name", "level", "parent", "depth", "scope",
            "responses", "sipas", "A", "B", "A1", "A2", "B1",
        ]  # fmt: skip
        assert [(r["unit"], r["parent"], r["depth"]) for r in rows] == [
            ("P", "", "0"),
            ("X", "P", "1"),
            ("Y", "P", "1"),
            ("Z", "P", "1"),
        ]
        figures = expected()
        for row in rows[:3]:
            want = as_shown(figures[row["unit"]])
            assert row["sipas"] == two_decimals(want["sipas"])
            for key in ("A1", "A2", "B1"):
                assert row[key] == two_decimals(want["criteria"][key])
            assert row["A"] == two_decimals(want["elements"]["A"])
        assert rows[2]["B1"] == ""  # Y: nobody answered B1
        assert rows[3]["responses"] == "0" and rows[3]["sipas"] == ""

    def test_a_ward_names_its_parent(self, hailong: Hailong) -> None:
        result = hailong("index", "--period", PERIOD, "--unit", "X", "--format", "csv")
        assert result.exit_code == 0, result.stderr

        rows = parse_csv(result.stdout)
        assert [(r["unit"], r["parent"], r["depth"], r["scope"]) for r in rows] == [
            ("X", "P", "0", "unit")
        ]
        assert rows[0]["sipas"] == two_decimals(shown(expected()["X"]["sipas"]))

    def test_per_counter(self, hailong: Hailong) -> None:
        result = hailong(
            "index", "--period", PERIOD, "--unit", "X", "--by", "counter", "--format", "csv"
        )
        assert result.exit_code == 0, result.stderr

        rows = parse_csv(result.stdout)
        assert [(r["unit"], r["counter"], r["responses"]) for r in rows] == [
            ("X", "Quầy 1", str(len(X_OFFICIAL)))
        ]
        assert rows[0]["sipas"] == two_decimals(shown(expected()["X"]["sipas"]))


def table_line(output: str, text: str) -> str:
    return next(line for line in output.splitlines() if text in line)


@pytest.mark.usefixtures("survey")
class TestTable:
    def test_vietnamese_headers_two_decimals_and_dashes(self, hailong: Hailong) -> None:
        result = hailong("index", "--period", PERIOD, "--unit", "P")
        assert result.exit_code == 0, result.stderr
        out = result.stdout

        for heading in ("Mã đơn vị", "Tên đơn vị", "Số phiếu", "Chỉ số SIPAS (%)", "Tiêu chí"):
            assert heading in out
        assert "Chỉ số SIPAS, đợt 2026, các kênh chính thức: Đơn vị P" in out
        figures = as_shown(expected()["X"])
        x_line = table_line(out, "Đơn vị X")
        assert two_decimals(figures["sipas"]) in x_line
        assert two_decimals(figures["elements"]["B"]) in x_line
        z_line = table_line(out, "Đơn vị Z")
        assert z_line.count("—") == 1 + len(ELEMENTS)  # SIPAS and each element
        # The criteria of the unit asked for, with each answer's count.
        b1_line = table_line(out, "│ B1")
        b1 = as_shown(expected()["P"])["criteria"]["B1"]
        assert two_decimals(b1) in b1_line

    def test_per_counter_and_per_field(self, hailong: Hailong) -> None:
        by_counter = hailong("index", "--period", PERIOD, "--unit", "X", "--by", "counter")
        assert by_counter.exit_code == 0, by_counter.stderr
        assert "Quầy" in by_counter.stdout and "Quầy 1" in by_counter.stdout
        by_field = hailong("index", "--period", PERIOD, "--unit", "P", "--by", "field")
        assert by_field.exit_code == 0, by_field.stderr
        assert "Lĩnh vực thủ tục: (chưa rõ lĩnh vực)" in by_field.stdout


@pytest.mark.usefixtures("survey")
class TestPoliteErrors:
    @pytest.mark.parametrize(
        ("options", "said"),
        [
            (["--period", "1999"], "Không có đợt khảo sát nào mang mã 1999"),
            (["--period", PERIOD, "--unit", "NOWHERE"], "Không có đơn vị nào mang mã NOWHERE"),
            (["--period", PERIOD, "--channels", "some"], "Kênh phải là 'official'"),
            (["--period", PERIOD, "--by", "counter"], "--unit"),
        ],
    )
    def test_refused_with_a_message(self, hailong: Hailong, options: list[str], said: str) -> None:
        result = hailong("index", *options, "--format", "json")

        assert result.exit_code != 0
        assert said in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stdout == ""


class TestFormsThatRateNothing:
    """A finished form with every criterion "I prefer not to answer" is kept, but it is
    counted neither in the index nor toward the quota, and the index says so."""

    @pytest.fixture
    def blank(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            period = small_period(session, "blank-forms", ELEMENTS)
            period.code = PERIOD
            tree = units(session, {"P": None, "X": "P"})
            answer_all(session, period, tree["X"], X_OFFICIAL[:1])
            answer_all(session, period, tree["X"], [dict.fromkeys(("A1", "A2", "B1"))] * 2)

    @pytest.mark.usefixtures("blank")
    def test_json_counts_them_apart(self, hailong: Hailong) -> None:
        found = as_json(hailong("index", "--period", PERIOD, "--unit", "P", "--format", "json"))

        assert (found["responses"], found["unrated"]) == (1, 2)
        assert (child(found, "X")["responses"], child(found, "X")["unrated"]) == (1, 2)
        assert figures_of(child(found, "X")) == as_shown(expected_figures(X_OFFICIAL[:1], ELEMENTS))
        assert found["quota"]["counted"] == 1 and found["quota"]["unrated"] == 2

    @pytest.mark.usefixtures("blank")
    def test_the_table_says_how_many_were_left_out(self, hailong: Hailong) -> None:
        result = hailong("index", "--period", PERIOD, "--unit", "P")

        assert result.exit_code == 0, result.stderr
        assert (
            "Không tính: 2 phiếu đã hoàn thành nhưng không đánh giá tiêu chí nào" in result.stdout
        )

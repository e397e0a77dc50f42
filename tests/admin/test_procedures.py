"""`hailong procedures import FILE.csv` and `hailong procedures [--unit CODE]`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Procedure, procedure_unit
from tests.admin.conftest import Hailong, as_json
from tests.factories import make_unit

HEADER = "code,name,field,unit_code"
WriteCsv = Callable[..., Path]


@pytest.fixture
def wards(session: Session) -> None:
    province = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
    make_unit(session, code="11413", name="Phường Hải An", parent=province)
    make_unit(session, code="11341", name="Phường Ngô Quyền", parent=province)
    session.commit()


def procedures(hailong: Hailong, *args: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = as_json(hailong("procedures", *args, "--format", "json"))
    return rows


def codes(rows: list[dict[str, str]]) -> set[str]:
    return {row["code"] for row in rows}


def stored(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(Procedure)) or 0
        links = session.scalar(select(func.count()).select_from(procedure_unit)) or 0
        return count, links


@pytest.mark.usefixtures("wards")
class TestImport:
    def test_every_unit_or_named_units(self, hailong: Hailong, write_csv: WriteCsv) -> None:
        path = write_csv(
            HEADER,
            "1.001193,Đăng ký khai sinh,Hộ tịch,",
            "2.000815,Chứng thực bản sao từ bản chính,Chứng thực,11413",
            "2.000815,Chứng thực bản sao từ bản chính,Chứng thực,11341",
            '1.004222,Đăng ký thường trú,"Đăng ký, quản lý cư trú",11341',
        )
        result = hailong("procedures", "import", str(path), "--format", "json")
        assert as_json(result) == {"created": 3, "updated": 0, "unchanged": 0}
        assert procedures(hailong) == [
            {"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch"},
            {"code": "1.004222", "name": "Đăng ký thường trú", "field": "Đăng ký, quản lý cư trú"},
            {"code": "2.000815", "name": "Chứng thực bản sao từ bản chính", "field": "Chứng thực"},
        ]
        assert codes(procedures(hailong, "--unit", "11413")) == {"1.001193", "2.000815"}
        assert codes(procedures(hailong, "--unit", "11341")) == {"1.001193", "2.000815", "1.004222"}
        assert codes(procedures(hailong, "--unit", "31")) == {"1.001193"}

    def test_bad_lines_are_reported_and_nothing_stored(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        path = write_csv(
            HEADER,
            "1.001193,Đăng ký khai sinh,Hộ tịch,",  # 2: fine
            "1.000894,Đăng ký kết hôn,Hộ tịch,99999",  # 3: unknown unit
            ",Không có mã,Hộ tịch,",  # 4: empty code
            "1.000656,,Hộ tịch,",  # 5: empty name
            "1.001193,Khai sinh,Hộ tịch,11413",  # 6: another name for 1.001193
            "2.000815,Chứng thực,Chứng thực,11413",  # 7: fine
            "2.000815,Chứng thực,Chứng thực,11413",  # 8: the same unit twice
            "1.004222,Đăng ký thường trú,Cư trú",  # 9: a column missing
        )
        result = hailong("procedures", "import", str(path))
        assert result.exit_code != 0
        lines = [int(n) for n in re.findall(r"^Dòng (\d+):", result.stderr, flags=re.MULTILINE)]
        assert lines == [3, 4, 5, 6, 8, 9]
        assert "Line 3:" in result.stderr and "99999" in result.stderr
        assert stored(sessions) == (0, 0)

    def test_reimport_updates_and_never_duplicates(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        first = write_csv(
            HEADER,
            "1.001193,Đăng ký khai sinh,Hộ tịch,",
            "2.000815,Chứng thực bản sao,Chứng thực,11413",
        )
        hailong("procedures", "import", str(first))
        assert as_json(hailong("procedures", "import", str(first), "--format", "json")) == {
            "created": 0,
            "updated": 0,
            "unchanged": 2,
        }
        second = write_csv(
            HEADER,
            "2.000815,Chứng thực bản sao từ bản chính,Chứng thực,11341",
        )
        summary = as_json(hailong("procedures", "import", str(second), "--format", "json"))
        assert summary == {"created": 0, "updated": 1, "unchanged": 0}
        assert codes(procedures(hailong, "--unit", "11413")) == {"1.001193"}
        offered = procedures(hailong, "--unit", "11341")
        assert {
            "code": "2.000815",
            "name": "Chứng thực bản sao từ bản chính",
            "field": "Chứng thực",
        } in offered
        assert stored(sessions) == (2, 1)


class TestList:
    def test_an_unknown_unit(self, hailong: Hailong) -> None:
        result = hailong("procedures", "--unit", "99999")
        assert result.exit_code != 0
        assert "99999" in result.stderr

    def test_table_for_people(self, hailong: Hailong, write_csv: WriteCsv) -> None:
        hailong(
            "procedures", "import", str(write_csv(HEADER, "1.001193,Đăng ký khai sinh,Hộ tịch,"))
        )
        result = hailong("procedures")
        assert result.exit_code == 0
        assert any(
            "1.001193" in line and "Đăng ký khai sinh" in line
            for line in result.stdout.splitlines()
        )

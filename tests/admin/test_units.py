"""`hailong import units FILE.csv`, `hailong import units --official` and `hailong units`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from vietnam_provinces import Province, ProvinceCode, Ward

from hailong.models import Unit
from hailong.units.service import ancestors
from tests.admin.conftest import Hailong, as_json
from tests.factories import make_unit

HEADER = "code,name,level,parent_code"
WriteCsv = Callable[..., Path]


def units_by_code(hailong: Hailong) -> dict[str, dict[str, object]]:
    return {row["code"]: row for row in as_json(hailong("units", "--format", "json"))}


def reported_lines(stderr: str) -> list[int]:
    """Line numbers of the bad rows, from the Vietnamese half of each message."""
    return [int(number) for number in re.findall(r"^Dòng (\d+):", stderr, flags=re.MULTILINE)]


def unit_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Unit)) or 0


def ancestor_codes(sessions: sessionmaker[Session], code: str) -> list[str]:
    with sessions() as session:
        unit = session.scalars(select(Unit).where(Unit.code == code)).one()
        return [u.code for u in ancestors(session, unit)]


class TestImportGoodFile:
    def test_children_before_parents_make_the_tree(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        path = write_csv(
            HEADER,
            "306-11413,Phường Đằng Lâm,commune,306",
            "306,Quận Hải An,district,31",
            "31,Thành phố Hải Phòng,province,",
            "S31-TP,Sở Tư pháp,department,31",
        )
        result = hailong("import", "units", str(path))
        assert result.exit_code == 0, result.stderr
        assert units_by_code(hailong) == {
            "31": {
                "code": "31",
                "name": "Thành phố Hải Phòng",
                "level": "province",
                "parent_code": None,
            },
            "306": {"code": "306", "name": "Quận Hải An", "level": "district", "parent_code": "31"},
            "306-11413": {
                "code": "306-11413",
                "name": "Phường Đằng Lâm",
                "level": "commune",
                "parent_code": "306",
            },
            "S31-TP": {
                "code": "S31-TP",
                "name": "Sở Tư pháp",
                "level": "department",
                "parent_code": "31",
            },
        }
        assert ancestor_codes(sessions, "306-11413") == ["31", "306"]

    def test_a_parent_already_in_the_database(
        self,
        hailong: Hailong,
        write_csv: WriteCsv,
        session: Session,
        sessions: sessionmaker[Session],
    ) -> None:
        make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        session.commit()
        result = hailong(
            "import", "units", str(write_csv(HEADER, "11413,Phường Hải An,commune,31"))
        )
        assert result.exit_code == 0, result.stderr
        assert units_by_code(hailong)["11413"]["parent_code"] == "31"
        assert ancestor_codes(sessions, "11413") == ["31"]

    def test_a_byte_order_mark_and_windows_line_ends_are_accepted(
        self, hailong: Hailong, write_csv: WriteCsv
    ) -> None:
        raw = "\ufeffcode,name,level,parent_code\r\n31,Thành phố Hải Phòng,province,\r\n"
        result = hailong("import", "units", str(write_csv(raw=raw.encode("utf-8"))))
        assert result.exit_code == 0, result.stderr
        assert units_by_code(hailong)["31"]["name"] == "Thành phố Hải Phòng"

    def test_columns_in_another_order_and_json_summary(
        self, hailong: Hailong, write_csv: WriteCsv
    ) -> None:
        path = write_csv("name,code,parent_code,level", "Thành phố Hải Phòng,31,,province")
        assert as_json(hailong("import", "units", str(path), "--format", "json")) == {
            "created": 1,
            "updated": 0,
            "unchanged": 0,
        }
        assert units_by_code(hailong)["31"]["level"] == "province"


class TestImportBadFile:
    def test_every_bad_row_is_reported_and_nothing_stored(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        path = write_csv(
            HEADER,
            "31,Thành phố Hải Phòng,province,",  # 2: fine
            "11413,Phường Hải An,commune",  # 3: a column missing
            "11341,Phường Ngô Quyền,commune,31,extra",  # 4: a column too many
            ",Phường Không Mã,commune,31",  # 5: empty code
            "10882,,commune,31",  # 6: empty name
            "11411,Phường Đông Hải,ward,31",  # 7: unknown level
            "11383,Phường Lê Chân,commune,99",  # 8: unknown parent
            "31,Hải Phòng lần hai,province,",  # 9: duplicate code
            "A,Đơn vị A,district,B",  # 10: A -> B -> A
            "B,Đơn vị B,district,A",  # 11
            "",  # a blank line is not a row
            "C,Đơn vị C,district,C",  # 13: its own parent
        )
        result = hailong("import", "units", str(path))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
        assert unit_count(sessions) == 0
        assert result.stdout == ""

    def test_messages_are_vietnamese_then_english(
        self, hailong: Hailong, write_csv: WriteCsv
    ) -> None:
        result = hailong("import", "units", str(write_csv(HEADER, "7,Đơn vị,ward,")))
        message = result.stderr.splitlines()[0]
        vietnamese, english = message.split(" / ", 1)
        assert vietnamese.startswith("Dòng 2:") and "ward" in vietnamese
        assert english.startswith("Line 2:") and "ward" in english

    def test_a_wrong_header_stops_at_line_one(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        result = hailong(
            "import", "units", str(write_csv("code,name,level", "31,Hải Phòng,province"))
        )
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [1]
        assert "code,name,level,parent_code" in result.stderr
        assert unit_count(sessions) == 0

    def test_an_empty_file(self, hailong: Hailong, write_csv: WriteCsv) -> None:
        result = hailong("import", "units", str(write_csv(raw=b"")))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [1]

    def test_a_line_that_is_not_utf8(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        raw = (
            f"{HEADER}\n31,Thành phố Hải Phòng,province,\n".encode()
            # A legacy Windows-1258 export: "Hải An" with tones as separate bytes.
            + unicodedata.normalize("NFD", "11413,Hải An,commune,31\n").encode("cp1258")
            + "11341,Phường Ngô Quyền,commune,31\n".encode()
        )
        result = hailong("import", "units", str(write_csv(raw=raw)))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [3]
        assert unit_count(sessions) == 0

    def test_a_cycle_through_the_database(
        self, hailong: Hailong, write_csv: WriteCsv, session: Session
    ) -> None:
        # In the database 11413 sits under 31; the file would put 31 under 11413.
        province = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        make_unit(session, code="11413", name="Phường Hải An", parent=province)
        session.commit()
        result = hailong(
            "import", "units", str(write_csv(HEADER, "31,Thành phố Hải Phòng,province,11413"))
        )
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [2]
        assert units_by_code(hailong)["31"]["parent_code"] is None

    def test_no_file_and_no_official_is_refused(self, hailong: Hailong) -> None:
        result = hailong("import", "units")
        assert result.exit_code != 0
        assert "--official" in result.stderr


class TestReimport:
    def test_the_same_file_twice_changes_nothing(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        path = write_csv(
            HEADER, "31,Thành phố Hải Phòng,province,", "11413,Phường Hải An,commune,31"
        )
        assert as_json(hailong("import", "units", str(path), "--format", "json"))["created"] == 2
        first = units_by_code(hailong)
        again = as_json(hailong("import", "units", str(path), "--format", "json"))
        assert again == {"created": 0, "updated": 0, "unchanged": 2}
        assert units_by_code(hailong) == first
        assert unit_count(sessions) == 2

    def test_names_levels_and_parents_are_updated_with_the_subtree(
        self, hailong: Hailong, write_csv: WriteCsv, sessions: sessionmaker[Session]
    ) -> None:
        hailong(
            "import",
            "units",
            str(
                write_csv(
                    HEADER,
                    "31,Hải Phòng,province,",
                    "306,Quận Hải An,district,31",
                    "306-11413,Phường Đằng Lâm,commune,306",
                    "11413,Phường Hải An,district,",
                )
            ),
        )
        # The district moves under the new ward (for the test's sake); its ward moves with it.
        changed = write_csv(
            HEADER,
            "31,Thành phố Hải Phòng,province,",
            "306,Quận Hải An,district,11413",
            "11413,Phường Hải An,commune,31",
        )
        summary = as_json(hailong("import", "units", str(changed), "--format", "json"))
        assert summary == {"created": 0, "updated": 3, "unchanged": 0}
        units = units_by_code(hailong)
        assert units["31"]["name"] == "Thành phố Hải Phòng"
        assert units["11413"]["level"] == "commune"
        assert units["306"]["parent_code"] == "11413"
        assert ancestor_codes(sessions, "306-11413") == ["31", "11413", "306"]
        assert unit_count(sessions) == 4


def official_communes(province: int | None = None) -> set[str]:
    wards = Ward.iter_all() if province is None else Ward.iter_by_province(ProvinceCode(province))
    return {f"{int(ward.code):05d}" for ward in wards}


class TestOfficialList:
    @pytest.mark.slow
    def test_the_whole_country(self, hailong: Hailong) -> None:
        result = hailong("import", "units", "--official", "--format", "json")
        assert as_json(result) == {"created": 34 + 3321, "updated": 0, "unchanged": 0}
        units = units_by_code(hailong)
        provinces = {code for code, u in units.items() if u["level"] == "province"}
        communes = {code for code, u in units.items() if u["level"] == "commune"}
        assert provinces == {f"{int(p.code):02d}" for p in Province.iter_all()}
        assert len(provinces) == 34
        assert communes == official_communes()
        assert len(communes) == 3321
        assert units["11413"] == {
            "code": "11413",
            "name": "Phường Hải An",
            "level": "commune",
            "parent_code": "31",
        }
        assert units["01"]["name"] == "Thành phố Hà Nội"
        assert units["04"]["name"] == "Tỉnh Cao Bằng"

    def test_one_province_twice(self, hailong: Hailong, sessions: sessionmaker[Session]) -> None:
        first = as_json(
            hailong("import", "units", "--official", "--province", "31", "--format", "json")
        )
        hai_phong = official_communes(31)
        assert first == {"created": 1 + len(hai_phong), "updated": 0, "unchanged": 0}
        units = units_by_code(hailong)
        assert set(units) == {"31", *hai_phong}
        assert all(units[code]["parent_code"] == "31" for code in hai_phong)
        assert units["10882"]["name"] == "Xã Hà Đông"
        again = as_json(
            hailong("import", "units", "--official", "--province", "31", "--format", "json")
        )
        assert again == {"created": 0, "updated": 0, "unchanged": 1 + len(hai_phong)}
        assert unit_count(sessions) == 1 + len(hai_phong)

    def test_an_unknown_province(self, hailong: Hailong, sessions: sessionmaker[Session]) -> None:
        result = hailong("import", "units", "--official", "--province", "99")
        assert result.exit_code != 0
        assert "99" in result.stderr
        assert unit_count(sessions) == 0


class TestListUnits:
    def test_json_keys(self, hailong: Hailong, session: Session) -> None:
        make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        session.commit()
        assert as_json(hailong("units", "--format", "json")) == [
            {"code": "31", "name": "Thành phố Hải Phòng", "level": "province", "parent_code": None}
        ]

    def test_table_for_people(self, hailong: Hailong, session: Session) -> None:
        province = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        make_unit(session, code="11413", name="Phường Hải An", parent=province)
        session.commit()
        result = hailong("units")
        assert result.exit_code == 0
        line = next(line for line in result.stdout.splitlines() if "11413" in line)
        assert "Phường Hải An" in line and "commune" in line and "31" in line

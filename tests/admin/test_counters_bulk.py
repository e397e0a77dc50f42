"""`hailong counters add --per-unit N [--subtree]` and `hailong counters import FILE`: many
counters in one command and one transaction, idempotent, all or nothing."""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections.abc import Callable
from itertools import chain
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.counters.bulk import Planned, add_counters
from hailong.counters.service import resolve_short_code, revoke
from hailong.models import Counter, CounterToken, TokenState, Unit
from tests.admin.conftest import Hailong, as_json
from tests.factories import make_counter, make_unit


@pytest.fixture
def tree(sessions: sessionmaker[Session]) -> None:
    """Hải Phòng, three wards (one with counters already), a closed district with its ward."""
    with sessions.begin() as session:
        city = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        hai_an = make_unit(session, code="11413", name="Phường Hải An", parent=city)
        make_unit(session, code="11341", name="Phường Ngô Quyền", parent=city)
        make_unit(session, code="10882", name="Xã Hà Đông", parent=city)
        district = make_unit(session, code="306", name="Quận Hải An", level="district", parent=city)
        district.active = False
        old_ward = make_unit(session, code="306-1", name="Phường Đông Hải 1", parent=district)
        old_ward.active = False
        make_counter(session, hai_an, name="Quầy số 2")
        revoke(session, make_counter(session, hai_an, name="Quầy số 1")[0])


def counters_by_unit(sessions: sessionmaker[Session]) -> dict[str, list[str]]:
    """Names of the counters in service, by unit code."""
    with sessions() as session:
        rows = session.execute(
            select(Unit.code, Counter.name)
            .join(Counter, Counter.unit_id == Unit.id)
            .where(Counter.active.is_(True))
        ).all()
    found: dict[str, list[str]] = {}
    for code, name in sorted(rows):
        found.setdefault(code, []).append(name)
    return found


def live_short_codes(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(
                select(CounterToken.short_code).where(CounterToken.state == TokenState.active)
            )
        )


@pytest.mark.usefixtures("tree")
class TestPerUnit:
    def test_every_unit_of_the_subtree_that_takes_surveys_gets_n(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        result = hailong("counters", "add", "--unit", "31", "--subtree", "--per-unit", "2")
        assert result.exit_code == 0, result.stderr
        assert "Counters: 7 added at 4 units; 0 units already had enough." in result.stdout
        assert counters_by_unit(sessions) == {
            "10882": ["Quầy số 1", "Quầy số 2"],
            "11341": ["Quầy số 1", "Quầy số 2"],
            # It had "Quầy số 2" in service (and a revoked "Quầy số 1"): one more.
            "11413": ["Quầy số 1", "Quầy số 2"],
            "31": ["Quầy số 1", "Quầy số 2"],
        }
        codes = live_short_codes(sessions)
        assert len(codes) == len(set(codes)) == 8
        with sessions() as session:
            for code in codes:
                assert resolve_short_code(session, code).unit.active

    def test_running_it_again_adds_none(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        args = ("counters", "add", "--unit", "31", "--subtree", "--per-unit", "2")
        assert hailong(*args).exit_code == 0
        before = counters_by_unit(sessions)
        again = as_json(hailong(*args, "--format", "json"))
        assert again == {"created": 0, "units": 0, "unchanged": 4}
        assert counters_by_unit(sessions) == before
        more = as_json(hailong(*args[:-1], "3", "--format", "json"))
        assert more == {"created": 4, "units": 4, "unchanged": 0}

    def test_without_subtree_only_the_unit(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        result = hailong("counters", "add", "--unit", "11341", "--per-unit", "3")
        assert result.exit_code == 0, result.stderr
        assert counters_by_unit(sessions)["11341"] == ["Quầy số 1", "Quầy số 2", "Quầy số 3"]
        assert "10882" not in counters_by_unit(sessions)

    @pytest.mark.parametrize(
        "args",
        [
            ("--unit", "31", "--subtree", "--per-unit", "0"),
            ("--unit", "31", "--subtree", "--per-unit", "500"),
            ("--unit", "306", "--per-unit", "2"),  # closed for surveys
            ("--unit", "99999", "--subtree", "--per-unit", "2"),
            ("--unit", "31", "--subtree", "--name", "Quầy 1"),
            ("--unit", "31", "--name", "Quầy 1", "--per-unit", "2"),
        ],
    )
    def test_refused_and_nothing_added(
        self, hailong: Hailong, sessions: sessionmaker[Session], args: tuple[str, ...]
    ) -> None:
        before = counters_by_unit(sessions)
        result = hailong("counters", "add", *args)
        assert result.exit_code in (1, 2)
        assert result.stderr.strip() and "Traceback" not in result.stderr
        assert counters_by_unit(sessions) == before


Write = Callable[..., Path]


def xlsx(path: Path, rows: list[tuple[object, ...]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


@pytest.mark.usefixtures("tree")
class TestImport:
    def test_a_list_adds_its_counters_once(
        self, hailong: Hailong, sessions: sessionmaker[Session], write_csv: Write
    ) -> None:
        path = write_csv(
            "name,unit_code",
            "Quầy tiếp nhận,31",
            "Quầy trả kết quả,31",
            "Quầy số 2,11413",  # already in service: left alone
            "",
            "Quầy số 1,11341",
        )
        result = as_json(hailong("counters", "import", str(path), "--format", "json"))
        assert result == {"created": 3, "units": 2, "unchanged": 1}
        assert counters_by_unit(sessions) == {
            "11341": ["Quầy số 1"],
            "11413": ["Quầy số 2"],
            "31": ["Quầy tiếp nhận", "Quầy trả kết quả"],
        }
        again = as_json(hailong("counters", "import", str(path), "--format", "json"))
        assert again == {"created": 0, "units": 0, "unchanged": 4}

    def test_bad_lines_are_all_named_and_nothing_is_added(
        self, hailong: Hailong, sessions: sessionmaker[Session], write_csv: Write
    ) -> None:
        path = write_csv(
            "unit_code,name",
            "31,Quầy tiếp nhận",  # 2: good
            "99999,Quầy số 1",  # 3: no such unit
            "306,Quầy số 1",  # 4: closed
            "11341,",  # 5: no name
            ",Quầy số 1",  # 6: no unit
            "31,Quầy tiếp nhận",  # 7: repeats line 2
            f"31,{'x' * 300}",  # 8: too long
            "31,a,b",  # 9: three cells
        )
        before = counters_by_unit(sessions)
        result = hailong("counters", "import", str(path))
        assert result.exit_code == 1
        lines = [int(n) for n in re.findall(r"^Dòng (\d+):", result.stderr, flags=re.M)]
        assert lines == [3, 4, 5, 6, 7, 8, 9]
        # Vietnamese first, then English, on each line.
        assert "Dòng 3: không có đơn vị nào mang mã 99999. / Line 3:" in result.stderr
        assert "/ Line 7: the counter Quầy tiếp nhận of unit 31 already appears on line 2." in (
            result.stderr
        )
        assert counters_by_unit(sessions) == before

    def test_a_spreadsheet_works_the_same(
        self, hailong: Hailong, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        good = xlsx(
            tmp_path / "quay.xlsx",
            [("unit_code", "name"), ("31", "Quầy số 1"), (None, None), ("11341", "Quầy số 1")],
        )
        assert as_json(hailong("counters", "import", str(good), "--format", "json")) == {
            "created": 2,
            "units": 2,
            "unchanged": 0,
        }
        bad = xlsx(tmp_path / "bad.xlsx", [("Unit_Code", "Name"), ("31", "Quầy số 2"), (70, "X")])
        result = hailong("counters", "import", str(bad))
        assert result.exit_code == 1
        assert re.findall(r"^Dòng (\d+):", result.stderr, flags=re.M) == ["3"]
        names = chain.from_iterable(counters_by_unit(sessions).values())
        assert Tally(names) == Tally({"Quầy số 1": 2, "Quầy số 2": 1})

    def test_not_a_spreadsheet(self, hailong: Hailong, tmp_path: Path) -> None:
        fake = tmp_path / "quay.xlsx"
        fake.write_bytes(b"unit_code,name\n31,Quay\n")
        result = hailong("counters", "import", str(fake))
        assert result.exit_code == 1
        assert "Dòng 1:" in result.stderr and "XLSX" in result.stderr


class TestShortCodeRace:
    # PostgreSQL only: SQLite lets one writer in at a time, so nobody can take a code meanwhile.
    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_a_code_taken_meanwhile_by_another_process_is_drawn_again(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            unit = make_unit(session, code="11413")
            other_unit = make_unit(session, code="11341", name="Phường Ngô Quyền")
        # The batch draws RACE22 (taken meanwhile) and AAAAAA; its fallback, one token at a
        # time, meets RACE22 again and draws on.
        drawn = iter(["RACE22", "RACE22", "AAAAAA", "RACE22", "BBBBBB", "CCCCCC"])

        def taken_meanwhile() -> str:
            code = next(drawn)
            if code == "RACE22" and not live_short_codes(sessions):
                # Another process adds a counter with this very code and commits first.
                with sessions.begin() as other:
                    counter = Counter(unit_id=other_unit.id, name="Quầy khác")
                    other.add(counter)
                    other.flush()
                    other.add(CounterToken(counter_id=counter.id, token="t" * 22, short_code=code))
            return code

        with sessions.begin() as session:
            ids = add_counters(
                session,
                [Planned(unit.id, "Quầy số 1"), Planned(unit.id, "Quầy số 2")],
                short_codes=taken_meanwhile,
            )
        assert len(ids) == 2
        assert sorted(live_short_codes(sessions)) == ["BBBBBB", "CCCCCC", "RACE22"]

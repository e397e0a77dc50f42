"""`hailong counters add` and `hailong counters [--unit CODE]`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.counters.service import resolve_short_code, resolve_token, revoke
from hailong.models import Counter
from tests.admin.conftest import BASE_URL, Hailong, as_json
from tests.factories import make_counter, make_unit

KEYS = {"id", "unit_code", "unit_name", "name", "short_code", "survey_url"}


@pytest.fixture
def tree(session: Session) -> None:
    """Hải Phòng, two of its wards, and old Quận Hải An (inactive) with one old ward."""
    province = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
    make_unit(session, code="11413", name="Phường Hải An", parent=province)
    make_unit(session, code="11341", name="Phường Ngô Quyền", parent=province)
    district = make_unit(session, code="306", name="Quận Hải An", level="district", parent=province)
    district.active = False
    session.commit()


def counter_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Counter)) or 0


@pytest.mark.usefixtures("tree")
class TestAdd:
    def test_prints_a_survey_url_and_short_code_that_work(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        result = hailong("counters", "add", "--unit", "11413", "--name", "Quầy số 1")
        assert result.exit_code == 0, result.stderr
        url = re.search(rf"{re.escape(BASE_URL)}/q/(\S+)", result.stdout)
        short = re.search(r"(?:Short code|Mã quầy)\S*: ([A-Z0-9]{6})$", result.stdout, re.MULTILINE)
        assert url and short, result.stdout
        with sessions() as session:
            by_token = resolve_token(session, url.group(1))
            by_short_code = resolve_short_code(session, short.group(1))
            assert by_token.counter.id == by_short_code.counter.id
            assert (by_token.unit.code, by_token.counter.name) == ("11413", "Quầy số 1")

    def test_json(self, hailong: Hailong) -> None:
        added = as_json(
            hailong("counters", "add", "--unit", "11413", "--name", "Quầy số 2", "--format", "json")
        )
        assert set(added) == KEYS
        assert as_json(hailong("counters", "--format", "json")) == [added]

    @pytest.mark.parametrize(
        ("unit", "name"), [("99999", "Quầy số 1"), ("306", "Quầy số 1"), ("11413", "  ")]
    )
    def test_refused(
        self, hailong: Hailong, sessions: sessionmaker[Session], unit: str, name: str
    ) -> None:
        result = hailong("counters", "add", "--unit", unit, "--name", name)
        assert result.exit_code != 0
        assert result.stderr.strip()
        assert counter_count(sessions) == 0


class TestList:
    def test_a_unit_lists_its_subtree_and_only_active_counters(
        self, hailong: Hailong, session: Session
    ) -> None:
        province = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        hai_an = make_unit(session, code="11413", name="Phường Hải An", parent=province)
        ngo_quyen = make_unit(session, code="11341", name="Phường Ngô Quyền", parent=province)
        other = make_unit(session, code="01", name="Thành phố Hà Nội", level="province")
        city_desk, city_token = make_counter(session, province, name="Quầy tỉnh")
        desk_one, _ = make_counter(session, hai_an, name="Quầy số 1")
        desk_two, _ = make_counter(session, hai_an, name="Quầy số 2")
        make_counter(session, ngo_quyen, name="Quầy số 1")
        make_counter(session, other, name="Quầy Hà Nội")
        revoke(session, desk_two)
        session.commit()

        in_hai_phong = as_json(hailong("counters", "--unit", "31", "--format", "json"))
        assert [(c["unit_code"], c["name"]) for c in in_hai_phong] == [
            ("11341", "Quầy số 1"),
            ("11413", "Quầy số 1"),
            ("31", "Quầy tỉnh"),
        ]
        assert {
            row["id"] for row in as_json(hailong("counters", "--unit", "11413", "--format", "json"))
        } == {desk_one.id}
        everywhere = as_json(hailong("counters", "--format", "json"))
        assert len(everywhere) == 4
        city = next(row for row in everywhere if row["id"] == city_desk.id)
        assert city == {
            "id": city_desk.id,
            "unit_code": "31",
            "unit_name": "Thành phố Hải Phòng",
            "name": "Quầy tỉnh",
            "short_code": city_token.short_code,
            "survey_url": f"{BASE_URL}/q/{city_token.token}",
        }

    def test_an_unknown_unit(self, hailong: Hailong) -> None:
        result = hailong("counters", "--unit", "99999")
        assert result.exit_code != 0
        assert "99999" in result.stderr

    def test_table_for_people(self, hailong: Hailong, session: Session) -> None:
        unit = make_unit(session)
        _, token = make_counter(session, unit)
        session.commit()
        result = hailong("counters")
        assert result.exit_code == 0
        line = next(line for line in result.stdout.splitlines() if token.short_code in line)
        assert f"{BASE_URL}/q/{token.token}" in line and "Phường Hải An" in line

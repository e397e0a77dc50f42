"""`hailong periods add|list|quota`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Period, Unit
from hailong.periods.service import (
    BadDate,
    get_by_code,
    open_period,
    parse_day,
    quota_for,
    today_in_vietnam,
)
from tests.admin.conftest import Hailong, as_json
from tests.factories import make_unit

ALL_CHANNELS = ["web", "telegram", "zalo", "email", "interview", "paper"]


def period_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Period)) or 0


class TestAdd:
    def test_defaults_and_the_period_opens(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        year = today_in_vietnam().year
        result = hailong(
            "periods",
            "add",
            "--code",
            str(year),
            "--start",
            f"{year}-01-01",
            "--end",
            f"{year}-12-31",
        )
        assert result.exit_code == 0, result.stderr
        assert as_json(hailong("periods", "list", "--format", "json")) == [
            {
                "code": str(year),
                "start": f"{year}-01-01",
                "end": f"{year}-12-31",
                "questionnaire": "sipas-2023",
                "quota": 30,
                "official": ALL_CHANNELS,
                "open": True,
                "closed": None,
            }
        ]
        with sessions() as session:
            period = open_period(session, today_in_vietnam())
            assert period.code == str(year)
            # Counted as the methodology says: every response not rejected.
            assert sorted(period.counted_review_states) == ["approved", "has_issues", "received"]

    def test_chosen_channels_quota_and_a_closed_period(self, hailong: Hailong) -> None:
        result = hailong(
            "periods", "add", "--code", "2023", "--start", "2023-11-29", "--end", "2023-12-11",
            "--quota", "90", "--official", "interview, email", "--format", "json",
        )  # fmt: skip
        assert as_json(result) == {
            "code": "2023",
            "start": "2023-11-29",
            "end": "2023-12-11",
            "questionnaire": "sipas-2023",
            "quota": 90,
            "official": ["email", "interview"],
            "open": False,
            "closed": None,
        }

    @pytest.mark.parametrize(
        ("options", "mentioned"),
        [
            (["--start", "2026-13-01", "--end", "2026-12-31"], "2026-13-01"),
            (["--start", "2026-12-31", "--end", "2026-01-01"], "2026-01-01"),
            (["--start", "2026-01-01", "--end", "2026-12-31", "--official", "web,fax"], "fax"),
            (["--start", "2026-01-01", "--end", "2026-12-31", "--official", " , "], "--"),
            (["--start", "2026-01-01", "--end", "2026-12-31", "--quota", "0"], "0"),
            (
                ["--start", "2026-01-01", "--end", "2026-12-31", "--questionnaire", "no-such"],
                "no-such",
            ),
        ],
        ids=[
            "bad date",
            "ends before it starts",
            "unknown channel",
            "no channel",
            "zero quota",
            "unknown questionnaire",
        ],
    )
    def test_bad_input_is_refused(
        self, hailong: Hailong, sessions: sessionmaker[Session], options: list[str], mentioned: str
    ) -> None:
        result = hailong("periods", "add", "--code", "2026", *options)
        assert result.exit_code != 0
        assert result.stderr.strip()
        if mentioned != "--":
            assert mentioned in result.stderr
        assert period_count(sessions) == 0

    def test_the_same_code_twice(self, hailong: Hailong, sessions: sessionmaker[Session]) -> None:
        args = ("periods", "add", "--code", "2026", "--start", "2026-01-01", "--end", "2026-12-31")
        assert hailong(*args).exit_code == 0
        again = hailong(*args)
        assert again.exit_code != 0
        assert "2026" in again.stderr
        assert period_count(sessions) == 1


class TestList:
    def test_table_says_which_is_open(self, hailong: Hailong) -> None:
        today = today_in_vietnam()
        ended = today - timedelta(days=1)
        hailong(
            "periods", "add", "--code", "old", "--start", "2020-01-01", "--end", ended.isoformat()
        )
        hailong(
            "periods", "add", "--code", "now", "--start", today.isoformat(), "--end", "2099-12-31"
        )
        result = hailong("periods", "list")
        assert result.exit_code == 0
        rows = {line.split()[1]: line for line in result.stdout.splitlines() if "20" in line}
        assert "✓" in rows["now"] and "✗" in rows["old"]


class TestQuota:
    def test_a_unit_gets_its_own_quota(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session]
    ) -> None:
        make_unit(session, code="11413", name="Phường Hải An")
        make_unit(session, code="11341", name="Phường Ngô Quyền")
        session.commit()
        hailong("periods", "add", "--code", "2026", "--start", "2026-01-01", "--end", "2026-12-31")
        assert (
            hailong(
                "periods", "quota", "--period", "2026", "--unit", "11413", "--quota", "200"
            ).exit_code
            == 0
        )
        assert (
            hailong(
                "periods", "quota", "--period", "2026", "--unit", "11413", "--quota", "150"
            ).exit_code
            == 0
        )
        with sessions() as check:
            period = get_by_code(check, "2026")
            assert period is not None
            by_code = {
                code: quota_for(check, period, unit_id) for code, unit_id in _unit_ids(check)
            }
        assert by_code == {"11413": 150, "11341": 30}

    @pytest.mark.parametrize(
        ("period", "unit", "mentioned"), [("2027", "11413", "2027"), ("2026", "99999", "99999")]
    )
    def test_unknown_period_or_unit(
        self, hailong: Hailong, session: Session, period: str, unit: str, mentioned: str
    ) -> None:
        make_unit(session, code="11413", name="Phường Hải An")
        session.commit()
        hailong("periods", "add", "--code", "2026", "--start", "2026-01-01", "--end", "2026-12-31")
        result = hailong("periods", "quota", "--period", period, "--unit", unit, "--quota", "50")
        assert result.exit_code != 0
        assert mentioned in result.stderr


def _unit_ids(session: Session) -> list[tuple[str, int]]:
    return [
        (code, unit_id) for code, unit_id in session.execute(select(Unit.code, Unit.id)).tuples()
    ]


class TestDates:
    def test_dates_are_checked_as_calendar_dates(self) -> None:
        assert parse_day(" 2026-02-28 ") == date(2026, 2, 28)
        with pytest.raises(BadDate):
            parse_day("2026-02-30")

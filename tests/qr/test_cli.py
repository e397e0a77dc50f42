"""`hailong counters rotate|revoke`, `hailong qr` and `hailong posters`, run as an operator
would, against both databases; files are read back with poppler and zbar."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from hailong.counters.service import (
    resolve_short_code,
    resolve_token,
    revoke,
    survey_url,
)
from hailong.errors import HailongError
from hailong.models import Counter, CounterToken
from tests.admin.conftest import BASE_URL, Hailong
from tests.factories import make_counter, make_period, make_unit
from tests.qr.reading import decode, page_text, pdf_info, render_page

pytestmark = pytest.mark.usefixtures("readers")


@dataclass(frozen=True)
class Desk:
    counter_id: int
    unit_name: str
    counter_name: str
    token: str
    short_code: str

    @property
    def url(self) -> str:
        return survey_url(BASE_URL, self.token)


def desk(counter: Counter, token: CounterToken, unit_name: str) -> Desk:
    return Desk(counter.id, unit_name, counter.name, token.token, token.short_code)


@dataclass(frozen=True)
class Province:
    """Hải Phòng with counters that must be printed, and some that must not."""

    printed: list[Desk]
    revoked: Desk
    in_closed_district: Desk
    elsewhere: Desk


@pytest.fixture
def province(sessions: sessionmaker[Session]) -> Province:
    with sessions.begin() as session:
        city = make_unit(session, code="31", name="Thành phố Hải Phòng", level="province")
        hai_an = make_unit(session, code="11413", name="Phường Hải An", parent=city)
        ha_dong = make_unit(session, code="10882", name="Xã Hà Đông", parent=city)
        district = make_unit(session, code="306", name="Quận Hải An", level="district", parent=city)
        district.active = False
        ha_noi = make_unit(session, code="01", name="Thành phố Hà Nội", level="province")
        make_period(session, code="2026")
        printed = [
            desk(*make_counter(session, city, name="Quầy tỉnh"), city.name),
            desk(*make_counter(session, hai_an, name="Quầy số 1"), hai_an.name),
            desk(*make_counter(session, ha_dong, name="Quầy số 1"), ha_dong.name),
            desk(*make_counter(session, ha_dong, name="Quầy số 2"), ha_dong.name),
        ]
        gone_counter, gone_token = make_counter(session, hai_an, name="Quầy số 2")
        revoke(session, gone_counter)
        return Province(
            printed=printed,
            revoked=desk(gone_counter, gone_token, hai_an.name),
            in_closed_district=desk(*make_counter(session, district), district.name),
            elsewhere=desk(*make_counter(session, ha_noi), ha_noi.name),
        )


@pytest.fixture
def hailong_with(database_url: str):  # type: ignore[no-untyped-def]
    """`hailong` with extra HAILONG_* settings (e.g. Telegram), as an operator would set them."""

    def run(*args: str, **settings: str) -> Result:
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
        env.update(HAILONG_DATABASE_URL=database_url, HAILONG_BASE_URL=BASE_URL, **settings)
        return CliRunner().invoke(build_cli(), list(args), env=env)

    return run


def reached_by_token(sessions: sessionmaker[Session], token: str) -> int | str:
    """The counter id a scan of `token` reaches, or the name of the polite error it gets.
    (A short session each time: with SQLite an open one would lock the command out.)"""
    with sessions() as session:
        try:
            return resolve_token(session, token).counter.id
        except HailongError as error:
            return type(error).__name__


def reached_by_short_code(sessions: sessionmaker[Session], code: str) -> int | str:
    with sessions() as session:
        try:
            return resolve_short_code(session, code).counter.id
        except HailongError as error:
            return type(error).__name__


def new_desk(result: Result, before: Desk) -> Desk:
    assert result.exit_code == 0, result.stderr
    url = re.search(rf"{re.escape(BASE_URL)}/q/([A-Za-z0-9_-]+)", result.stdout)
    code = re.search(r"\((?:mã quầy|short code) ([A-Z0-9]{6})\)", result.stdout)
    assert url and code, result.stdout
    return Desk(before.counter_id, before.unit_name, before.counter_name, url[1], code[1])


class TestRotate:
    def test_new_code_works_and_the_old_one_says_replaced(
        self, hailong: Hailong, province: Province, sessions: sessionmaker[Session]
    ) -> None:
        old = province.printed[1]
        new = new_desk(hailong("counters", "rotate", "--counter", str(old.counter_id)), old)
        assert new.token != old.token and new.short_code != old.short_code
        assert reached_by_token(sessions, new.token) == old.counter_id
        assert reached_by_short_code(sessions, new.short_code) == old.counter_id
        assert reached_by_token(sessions, old.token) == "ReplacedCounterCode"
        assert reached_by_short_code(sessions, old.short_code) == "ReplacedCounterCode"
        # Listed with its new code only.
        listed = hailong("counters", "--unit", "11413")
        assert new.url in listed.stdout and old.url not in listed.stdout

    @pytest.mark.parametrize("command", ["rotate", "revoke"])
    def test_an_unknown_counter_is_refused(
        self, hailong: Hailong, province: Province, sessions: sessionmaker[Session], command: str
    ) -> None:
        result = hailong("counters", command, "--counter", "9999")
        assert result.exit_code == 1
        assert "9999" in result.stderr
        for printed in province.printed:
            assert reached_by_token(sessions, printed.token) == printed.counter_id

    @pytest.mark.parametrize("command", ["rotate", "revoke"])
    def test_a_revoked_counter_stays_revoked(
        self, hailong: Hailong, province: Province, sessions: sessionmaker[Session], command: str
    ) -> None:
        result = hailong("counters", command, "--counter", str(province.revoked.counter_id))
        assert result.exit_code == 1
        assert "thu hồi" in result.stderr and "revoked" in result.stderr
        assert reached_by_token(sessions, province.revoked.token) == "RevokedCounterCode"


class TestRevoke:
    def test_the_code_and_short_code_stop_working(
        self, hailong: Hailong, province: Province, sessions: sessionmaker[Session]
    ) -> None:
        target = province.printed[2]
        result = hailong("counters", "revoke", "--counter", str(target.counter_id))
        assert result.exit_code == 0, result.stderr
        assert target.unit_name in result.stdout and target.counter_name in result.stdout
        assert reached_by_token(sessions, target.token) == "RevokedCounterCode"
        assert reached_by_short_code(sessions, target.short_code) == "RevokedCounterCode"
        listed = hailong("counters", "--unit", "31")
        assert target.url not in listed.stdout


class TestQrImage:
    @pytest.mark.parametrize("suffix", [".png", ".svg"])
    def test_writes_the_counters_code(
        self, hailong: Hailong, province: Province, tmp_path: Path, suffix: str
    ) -> None:
        target = province.printed[0]
        path = tmp_path / f"quay{suffix}"
        result = hailong("qr", "--counter", str(target.counter_id), "-o", str(path))
        assert result.exit_code == 0, result.stderr
        if suffix == ".png":
            assert decode(path) == [target.url]
        else:
            assert path.read_text(encoding="utf-8").startswith("<?xml")
            assert "<svg" in path.read_text(encoding="utf-8")

    def test_other_file_types_are_refused(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        path = tmp_path / "quay.jpg"
        result = hailong("qr", "--counter", str(province.printed[0].counter_id), "-o", str(path))
        assert result.exit_code == 2
        assert ".png" in result.stderr
        assert not path.exists()

    def test_a_revoked_counter_has_no_code(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        out = tmp_path / "out"
        out.mkdir()
        result = hailong("qr", "--counter", str(province.revoked.counter_id), "-o", f"{out}/q.png")
        assert result.exit_code == 1
        assert not list(out.iterdir())

    def test_a_counter_of_a_closed_unit_has_no_code(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        closed = province.in_closed_district
        out = tmp_path / "out"
        out.mkdir()
        result = hailong("qr", "--counter", str(closed.counter_id), "-o", f"{out}/q.png")
        assert result.exit_code == 1
        assert closed.unit_name in result.stderr
        assert not list(out.iterdir())

    def test_a_missing_folder_is_reported_politely(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        path = tmp_path / "no-such-folder" / "q.png"
        result = hailong("qr", "--counter", str(province.printed[0].counter_id), "-o", str(path))
        assert result.exit_code == 1
        assert f"Không ghi được tệp {path}" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


class TestPosters:
    def test_one_page_per_active_counter_of_the_subtree(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        pdf = tmp_path / "posters.pdf"
        result = hailong("posters", "--unit", "31", "-o", str(pdf))
        assert result.exit_code == 0, result.stderr
        expected = province.printed
        assert pdf_info(pdf).pages == len(expected)
        assert f"{len(expected)}" in result.stdout and str(pdf) in result.stdout
        # Progress, for the operator watching a province's thousands of pages.
        assert f"Rendering posters: {len(expected)}/{len(expected)}" in result.stderr
        found: dict[str, str] = {}
        for page in range(1, len(expected) + 1):
            [url] = decode(render_page(pdf, page, dpi=150, out_dir=tmp_path))
            found[url] = page_text(pdf, page)
        assert set(found) == {d.url for d in expected}
        for d in expected:
            assert d.unit_name in found[d.url]
            assert d.counter_name in found[d.url] and d.short_code in found[d.url]
            # The address to type carries the short code, not the long token.
            assert f"Trên trang web: {BASE_URL}/c/{d.short_code}" in found[d.url]
            assert "Đợt khảo sát 2026" in found[d.url]

    def test_a_unit_prints_only_its_own_subtree(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        pdf = tmp_path / "ha-dong.pdf"
        result = hailong("posters", "--unit", "10882", "--size", "A6", "-o", str(pdf))
        assert result.exit_code == 0, result.stderr
        expected = [d for d in province.printed if d.unit_name == "Xã Hà Đông"]
        info = pdf_info(pdf)
        assert info.pages == len(expected)
        assert [round(side) for side in info.size_mm] == [105, 148]
        text = page_text(pdf)
        assert all(d.short_code in text for d in expected)
        assert province.elsewhere.short_code not in text

    def test_telegram_appears_once_configured(
        self,
        hailong_with,
        province: Province,
        tmp_path: Path,  # type: ignore[no-untyped-def]
    ) -> None:
        pdf = tmp_path / "posters.pdf"
        result = hailong_with(
            "posters",
            "--unit",
            "11413",
            "-o",
            str(pdf),
            HAILONG_TELEGRAM_TOKEN="1:fake",
            HAILONG_TELEGRAM_BOT_USERNAME="haiphong_khaosat_bot",
        )
        assert result.exit_code == 0, result.stderr
        [target] = [d for d in province.printed if d.unit_name == "Phường Hải An"]
        text = page_text(pdf)
        assert f"Trên Telegram: mở t.me/haiphong_khaosat_bot và gửi mã {target.short_code}" in text

    def test_a_missing_folder_is_reported_politely(
        self, hailong: Hailong, province: Province, tmp_path: Path
    ) -> None:
        pdf = tmp_path / "no-such-folder" / "posters.pdf"
        result = hailong("posters", "--unit", "31", "-o", str(pdf))
        assert result.exit_code == 1
        assert f"Could not write {pdf}" in result.stderr
        assert isinstance(result.exception, SystemExit)

    @pytest.mark.parametrize(
        ("args", "mentioned"),
        [
            (["--unit", "99999"], "99999"),
            (["--unit", "306"], "306"),  # a closed district: nothing to print
            (["--unit", "31", "--period", "1999"], "1999"),
        ],
    )
    def test_refused_without_leaving_a_file(
        self,
        hailong: Hailong,
        province: Province,
        tmp_path: Path,
        args: list[str],
        mentioned: str,
    ) -> None:
        out = tmp_path / "out"
        out.mkdir()
        result = hailong("posters", *args, "-o", str(out / "posters.pdf"))
        assert result.exit_code == 1
        assert mentioned in result.stderr
        assert not list(out.iterdir())

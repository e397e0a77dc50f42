"""`hailong seed-demo` and `hailong demo`: the data a newcomer scans, and the server they reach."""

from __future__ import annotations

import queue
import re
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from vietnam_provinces import Ward, WardCode

from hailong import demo_data
from hailong.demo import SECRET_FILE, demo_settings, ensure_secret
from hailong.models import Counter, Period, Procedure, Unit
from hailong.periods.service import today_in_vietnam
from hailong.settings import Environment, Settings
from tests.admin.conftest import Hailong, as_json
from tests.factories import make_unit
from tests.infra.processes import clean_environment, free_port, start_hailong, stop

ALL_CHANNELS = ["web", "telegram", "zalo", "email", "interview", "paper"]
# Starting `hailong` imports aiogram, pydantic models and all; a busy CI machine is slow.
STARTUP_SECONDS = 180


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Unit, Counter, Procedure, Period)
        }


class TestSeedDemo:
    def test_an_empty_database_gets_hai_phong(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        result = hailong("seed-demo")
        assert result.exit_code == 0, result.stderr
        units = {u["code"]: u for u in as_json(hailong("units", "--format", "json"))}
        assert units["31"] == {
            "code": "31",
            "name": "Thành phố Hải Phòng",
            "level": "province",
            "parent_code": None,
        }
        for code, name in (
            ("11413", "Phường Hải An"),
            ("11341", "Phường Ngô Quyền"),
            ("10882", "Xã Hà Đông"),
        ):
            assert units[code] == {
                "code": code,
                "name": name,
                "level": "commune",
                "parent_code": "31",
            }
        for code in demo_data.COMMUNE_CODES:
            # Every post-2025 commune is the official list's, name and all.
            assert units[code]["name"] == Ward.from_code(WardCode(int(code))).name
        assert units["306"]["level"] == "district" and units["306"]["name"] == "Quận Hải An"
        old_wards = {code: u["name"] for code, u in units.items() if u["parent_code"] == "306"}
        assert "Phường Đằng Lâm" in old_wards.values() and len(old_wards) == len(
            demo_data.OLD_WARDS
        )

        with sessions() as session:
            active = dict(session.execute(select(Unit.code, Unit.active)).tuples().all())
        assert {code for code, is_active in active.items() if not is_active} == {"306", *old_wards}

        counters = as_json(hailong("counters", "--format", "json"))
        per_unit: dict[str, int] = {}
        for counter in counters:
            per_unit[counter["unit_code"]] = per_unit.get(counter["unit_code"], 0) + 1
        assert set(per_unit) == {code for code, is_active in active.items() if is_active}
        assert all(count in (2, 3) for count in per_unit.values())

        procedures = as_json(hailong("procedures", "--unit", "11413", "--format", "json"))
        assert len(procedures) >= 10
        assert {"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch"} in procedures

        year = str(today_in_vietnam().year)
        assert as_json(hailong("periods", "list", "--format", "json")) == [
            {
                "code": year,
                "start": f"{year}-01-01",
                "end": f"{year}-12-31",
                "questionnaire": "sipas-2023",
                "quota": 30,
                "official": ALL_CHANNELS,
                "open": True,
                "closed": None,
            }
        ]

    def test_a_database_with_data_is_left_alone(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session]
    ) -> None:
        make_unit(session, code="01", name="Thành phố Hà Nội", level="province")
        session.commit()
        result = hailong("seed-demo")
        assert result.exit_code == 0, result.stderr
        assert "không thêm dữ liệu mẫu" in result.stdout
        assert row_counts(sessions) == {"unit": 1, "counter": 0, "procedure": 0, "period": 0}

    def test_seeding_twice_adds_nothing_the_second_time(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        hailong("seed-demo")
        first = row_counts(sessions)
        assert hailong("seed-demo").exit_code == 0
        assert row_counts(sessions) == first


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    create: Callable[[], str] = request.getfixturevalue("postgres_database_factory")
    return create()


class TestSeedDemoMigratesFirst:
    def test_a_new_database(self, unmigrated_url: str, tmp_path: Path) -> None:
        from typer.testing import CliRunner

        from hailong.cli import build_cli

        env = {"HAILONG_DATABASE_URL": unmigrated_url}
        runner = CliRunner()
        assert runner.invoke(build_cli(), ["seed-demo"], env=env).exit_code == 0
        listed = runner.invoke(
            build_cli(), ["counters", "--unit", "11413", "--format", "json"], env=env
        )
        assert listed.exit_code == 0, listed.stderr
        assert len(as_json(listed)) == demo_data.COUNTERS[demo_data.DEMO_UNIT_CODE]


# --- `hailong demo`, as a newcomer runs it --------------------------------------------------


class Output:
    """Lines a child process prints, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(
            target=lambda: [self.lines.put(line) for line in stream], daemon=True
        ).start()

    def wait_for(self, pattern: str, seconds: float = STARTUP_SECONDS) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"{pattern!r} not printed within {seconds} s:\n{''.join(self.seen)}")


SURVEY_URL = r"(?:Survey URL|Đường dẫn khảo sát)\S*: (http://\S+)"


@pytest.fixture
def run_demo(tmp_path: Path) -> Iterator[Callable[..., tuple[str, str]]]:
    """Start `hailong demo` on a free port; returns (survey URL, everything printed so far)."""
    started: list[subprocess.Popen[str]] = []

    def run(**env: str) -> tuple[str, str]:
        port = free_port()
        process = start_hailong(
            "demo", "--port", str(port), env=clean_environment(**env), cwd=tmp_path
        )
        started.append(process)
        output = Output(process)
        url = output.wait_for(SURVEY_URL).group(1)
        output.wait_for(r"Uvicorn running|Application startup complete")
        assert url.startswith(f"http://127.0.0.1:{port}/q/")
        return url, "".join(output.seen)

    yield run
    for process in started:
        stop(process)


@pytest.mark.slow
class TestDemoServer:
    def test_the_printed_survey_url_answers(
        self, run_demo: Callable[..., tuple[str, str]], database_url: str
    ) -> None:
        url, printed = run_demo(HAILONG_DATABASE_URL=database_url)
        assert "Phường Hải An" in printed
        base = url.split("/q/")[0]
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        landing = httpx.get(url, timeout=10)
        assert landing.status_code == 200
        assert "Phường Hải An" in landing.text

    def test_the_secret_is_made_once_and_kept_beside_the_database(
        self, run_demo: Callable[..., tuple[str, str]], tmp_path: Path
    ) -> None:
        first_url, _ = run_demo()
        secret = tmp_path / SECRET_FILE
        assert (tmp_path / "hailong.db").exists()
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        kept = secret.read_text()
        assert len(kept.strip()) >= 32

        second_url, printed = run_demo()
        # It says where its database is, since it made one in the working directory.
        assert f"Cơ sở dữ liệu: {tmp_path / 'hailong.db'}" in printed
        assert secret.read_text() == kept
        # Another port, the same database: seeded once, so the same counter's token.
        assert second_url.split("/q/")[1] == first_url.split("/q/")[1]
        assert "không thêm dữ liệu mẫu" in printed


class TestTheSecretStaysOutOfGit:
    def test_the_demo_secret_file_is_ignored(self, tmp_path: Path) -> None:
        root = Path(__file__).resolve().parents[2]
        for place in (SECRET_FILE, f"data/{SECRET_FILE}"):
            ignored = subprocess.run(
                ["git", "check-ignore", "--quiet", "--no-index", place], cwd=root, check=False
            )
            assert ignored.returncode == 0, f"{place} is not in .gitignore"


class TestEnsureSecret:
    def test_the_environment_secret_wins_and_no_file_is_made(self, tmp_path: Path) -> None:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", secret_key="from-env")
        assert ensure_secret(settings).secret() == "from-env"
        assert not (tmp_path / SECRET_FILE).exists()

    def test_a_made_secret_is_read_back(self, tmp_path: Path) -> None:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'h.db'}", secret_key=None)
        made = ensure_secret(settings).secret()
        assert (tmp_path / "db" / SECRET_FILE).read_text().strip() == made
        assert ensure_secret(settings).secret() == made


class TestDemoSettings:
    def test_base_url_follows_host_and_port(self, tmp_path: Path) -> None:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}")
        made = demo_settings(settings, host="127.0.0.1", port=8123)
        assert made.environment is Environment.demo
        assert made.public_base_url == "http://127.0.0.1:8123"

    def test_an_explicit_base_url_is_kept(self, tmp_path: Path) -> None:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'h.db'}", base_url="https://khaosat.example.vn"
        )
        assert demo_settings(settings, host="0.0.0.0", port=80).public_base_url == (
            "https://khaosat.example.vn"
        )

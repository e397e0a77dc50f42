"""A batch of posters comes out in the order a person files it; the posters name every chat
channel's account or leave the channel out; and no QR code, poster batch or printed link leads
phones to 127.0.0.1 where that would matter."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from hailong.app import create_app
from hailong.cli import build_cli
from hailong.db import unit_of_work
from hailong.settings import Environment, Settings
from qr import service
from tests.conftest import TEST_SECRET
from tests.factories import make_counter, make_period, make_unit
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.qr.reading import page_text, pdf_info

pytestmark = pytest.mark.usefixtures("readers")
BASE_URL = "https://khaosat.example.vn"
TOKEN = "4242:poster-test"
Run = Callable[..., Result]


@pytest.fixture
def run(database_url: str) -> Run:
    """`hailong ARGS...` with only the HAILONG_* settings given (none of the developer's)."""

    def invoke(*args: str, **settings: str) -> Result:
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
        env.update(HAILONG_DATABASE_URL=database_url, **settings)
        return CliRunner().invoke(build_cli(), list(args), env=env)

    return invoke


@pytest.fixture
def scrambled(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """A province whose communes and counters were added out of order (so that ids, and the
    ids' text in the units' paths, sort differently from codes and names); returns the
    (unit, counter) pairs in the order a person files the posters."""
    with sessions.begin() as session:
        province = make_unit(session, code="01", name="Thành phố Hà Nội", level="province")
        make_period(session, code="2026")
        # Ids 2..12: "/1/10/" sorts before "/1/2/" as text.
        codes = [f"{n:05d}" for n in (40, 4, 300, 31, 7, 8, 9, 10, 11, 12, 2)]
        communes = {
            code: make_unit(session, code=code, name=f"Phường {code}", parent=province)
            for code in codes
        }
        make_counter(session, province, name="Quầy tỉnh")
        for code in codes:
            for number in (10, 2, 1):
                make_counter(session, communes[code], name=f"Quầy số {number}")
    in_order = sorted(codes, key=int)
    return [("Thành phố Hà Nội", "Quầy tỉnh")] + [
        (f"Phường {code}", f"Quầy số {number}") for code in in_order for number in (1, 2, 10)
    ]


class TestPosterOrder:
    @pytest.mark.parametrize("batch", [2, 7, 200])
    def test_the_unit_tree_then_counters_by_name(
        self, sessions: sessionmaker[Session], scrambled: list[tuple[str, str]], batch: int
    ) -> None:
        def transaction() -> AbstractContextManager[Session]:
            return unit_of_work(sessions)

        posters = service.unit_posters(transaction, "01", base_url=BASE_URL, batch=batch)
        assert [(p.unit_name, p.counter_name) for p in posters] == scrambled

    def test_the_pdf_pages_follow_it(
        self, run: Run, scrambled: list[tuple[str, str]], tmp_path: Path
    ) -> None:
        pdf = tmp_path / "ha-noi.pdf"
        result = run("posters", "--unit", "01", "-o", str(pdf), HAILONG_BASE_URL=BASE_URL)
        assert result.exit_code == 0, result.stderr
        for page in (1, 2, 4, len(scrambled)):
            unit, counter = scrambled[page - 1]
            text = page_text(pdf, page)
            assert unit in text and counter in text, page


@pytest.fixture
def two_counters(sessions: sessionmaker[Session]) -> list[int]:
    with sessions.begin() as session:
        unit = make_unit(session, code="11413", name="Phường Hải An")
        make_period(session, code="2026")
        return [make_counter(session, unit, name=f"Quầy số {n}")[0].id for n in (1, 2)]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder for the files a command writes (the test's SQLite database is beside it)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


class TestBaseUrl:
    def test_a_batch_with_the_default_address_is_refused(
        self, run: Run, two_counters: list[int], out: Path
    ) -> None:
        result = run("posters", "--unit", "11413", "-o", str(out / "p.pdf"))
        assert result.exit_code == 1
        assert "HAILONG_BASE_URL" in result.stderr and "http://127.0.0.1:8000" in result.stderr
        assert "Traceback" not in result.stderr
        assert list(out.iterdir()) == []

    def test_a_single_test_page_is_allowed(
        self, run: Run, two_counters: list[int], tmp_path: Path, sessions: sessionmaker[Session]
    ) -> None:
        revoked = run("counters", "revoke", "--counter", str(two_counters[1]))
        assert revoked.exit_code == 0, revoked.stderr
        pdf = tmp_path / "test-page.pdf"
        result = run("posters", "--unit", "11413", "-o", str(pdf))
        assert result.exit_code == 0, result.stderr
        assert pdf_info(pdf).pages == 1

    @pytest.mark.parametrize(
        "command",
        [
            ("qr", "--counter", "{id}", "-o", "{dir}/q.png"),
            ("posters", "--unit", "11413", "-o", "{dir}/p.pdf"),
            ("counters",),
            ("counters", "add", "--unit", "11413", "--name", "Quầy số 3"),
            ("counters", "rotate", "--counter", "{id}"),
        ],
        ids=["qr", "posters", "counters", "counters add", "counters rotate"],
    )
    def test_production_refuses_every_printed_link(
        self, run: Run, two_counters: list[int], out: Path, command: tuple[str, ...]
    ) -> None:
        args = [a.format(id=two_counters[0], dir=out) for a in command]
        production = {"HAILONG_ENVIRONMENT": "production", "HAILONG_SECRET_KEY": TEST_SECRET}
        result = run(*args, **production)
        assert result.exit_code == 1, result.stdout
        assert "HAILONG_BASE_URL" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "127.0.0.1" not in result.stdout
        assert list(out.iterdir()) == []
        assert run(*args, **production, HAILONG_BASE_URL=BASE_URL).exit_code == 0

    def test_production_qr_images_are_refused_politely(
        self, database_url: str, two_counters: list[int], sessions: sessionmaker[Session]
    ) -> None:
        with sessions() as session:
            from hailong.counters.service import live_counter

            token = live_counter(session, two_counters[0]).token.token
        settings = Settings(
            database_url=database_url,
            secret_key=TEST_SECRET,
            environment=Environment.production,
        )
        with TestClient(create_app(settings)) as client:
            refused = client.get(f"/q/{token}/qr.png")
            assert refused.status_code == 503
            assert "HAILONG_BASE_URL" in refused.text
        public = settings.model_copy(update={"base_url": BASE_URL})
        with TestClient(create_app(public)) as client:
            image = client.get(f"/q/{token}/qr.png")
            assert image.status_code == 200 and image.headers["content-type"] == "image/png"


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramAPI]:
    api = FakeTelegramAPI(token=TOKEN, username="hanoi_khaosat_bot").start()
    yield api
    api.stop()


def first_poster(run: Run, folder: Path, **settings: str) -> tuple[Result, str]:
    """`hailong posters` for one ward with these settings: the result and page 1's text."""
    pdf = folder / "p.pdf"
    result = run(
        "posters", "--unit", "00004", "-o", str(pdf), HAILONG_BASE_URL=BASE_URL, **settings
    )
    assert result.exit_code == 0, result.stderr
    return result, page_text(pdf, 1)


@pytest.mark.usefixtures("scrambled")
class TestChatChannelsOnPosters:
    def test_telegram_off_prints_the_web_form_only(self, run: Run, tmp_path: Path) -> None:
        _, text = first_poster(run, tmp_path)
        assert f"Trên trang web: {BASE_URL}/c/" in text
        assert "Telegram" not in text

    def test_the_bot_named_by_telegram_itself(
        self, run: Run, tmp_path: Path, telegram_api: FakeTelegramAPI
    ) -> None:
        _, text = first_poster(
            run,
            tmp_path,
            HAILONG_TELEGRAM_TOKEN=TOKEN,
            HAILONG_TELEGRAM_API_BASE=telegram_api.base_url,
        )
        assert telegram_api.methods() == ["getMe"]
        assert "Trên Telegram: mở t.me/hanoi_khaosat_bot và gửi mã" in text

    def test_a_bot_nobody_can_name_is_left_out(self, run: Run, tmp_path: Path) -> None:
        result, text = first_poster(
            run,
            tmp_path,
            HAILONG_TELEGRAM_TOKEN=TOKEN,
            # Nothing listens on port 1: getMe cannot be asked.
            HAILONG_TELEGRAM_API_BASE="http://127.0.0.1:1",
        )
        assert "HAILONG_TELEGRAM_BOT_USERNAME" in result.stderr
        assert "Telegram" not in text and "bot" not in text

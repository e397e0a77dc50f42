"""E-mail invitations against real databases, a fake SMTP server of ours over real SMTP, and
the worker that sends them."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from hailong.invitations import service
from hailong.models import Invitation, OutboxMessage, Role
from hailong.models.outbox import OPEN_STATES
from hailong.outbox.running import run_worker
from hailong.settings import Settings
from hailong.units.service import unit_by_code
from tests.accounts.conftest import ACCOUNTS, make_account, make_country
from tests.conftest import TEST_SECRET
from tests.factories import make_period, make_procedure
from tests.fakes.smtp import FakeSmtp

BIRTH = "1.001612"
COPY = "1.004227"
# Quick retries, so a test waits milliseconds where production waits minutes.
FAST = {
    "outbox_backoff_seconds": 0.05,
    "outbox_backoff_max_seconds": 0.1,
    "outbox_poll_seconds": 0.02,
    "outbox_send_timeout_seconds": 5.0,
    "outbox_lease_seconds": 10.0,
}
ADDRESS = "nguyen.van.an@example.vn"


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    fake = FakeSmtp().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(database_url: str, smtp: FakeSmtp) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "https://khaosat.example.vn",
        "smtp_url": smtp.url,
        "smtp_from": "khaosat@haiphong.example.vn",
        **FAST,
    }
    return Settings(**values)


@pytest.fixture
def country(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions.begin() as session:
        ids = make_country(session)
        for username, role, unit in ACCOUNTS:
            make_account(session, username, role, unit)
        make_account(session, "phanmem", Role.official, "31")
        make_period(session)
        make_procedure(session, code=BIRTH, name="Đăng ký khai sinh")
        make_procedure(session, code=COPY, name="Chứng thực bản sao từ bản chính")
    return ids


def invite(
    sessions: sessionmaker[Session],
    dossier: str,
    *,
    unit: str = "11413",
    procedure: str = BIRTH,
    email: str = ADDRESS,
    valid_days: int = 30,
) -> service.Result:
    with sessions.begin() as session:
        return service.invite(
            session,
            unit_by_code(session, unit),
            service.Request(dossier_id=dossier, procedure_code=procedure, email=email),
            secret=TEST_SECRET,
            valid_days=valid_days,
        )


def count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def open_messages(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        query = select(func.count()).where(OutboxMessage.state.in_(OPEN_STATES))
        return session.scalar(query) or 0


def send_all(settings: Settings, sessions: sessionmaker[Session], seconds: float = 30) -> None:
    """The real worker, with the senders of the settings, until nothing is left to send."""

    async def main() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(settings, sessions, stop))
        deadline = time.monotonic() + seconds
        while await asyncio.to_thread(open_messages, sessions):
            if worker.done() or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        # One idle turn more: the worker checkpoints SQLite's WAL after erasing.
        await asyncio.sleep(settings.outbox_poll_seconds * 5)
        stop.set()
        await worker

    asyncio.run(main())
    assert open_messages(sessions) == 0, "the worker did not send everything in time"


@pytest.fixture
def hailong(settings: Settings) -> Callable[..., Result]:
    """`hailong ARGS...` in-process with HAILONG_* set to this test's settings."""
    app = build_cli()
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    env.update(
        HAILONG_DATABASE_URL=settings.database_url,
        HAILONG_SECRET_KEY=TEST_SECRET,
        HAILONG_BASE_URL=settings.base_url,
    )

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return run


__all__ = ["Invitation"]

"""Fixtures for the citizen web form: a unit with a counter, an open period and procedures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from hailong import migrate
from hailong.app import create_app
from hailong.db import make_engine, make_sessionmaker
from hailong.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import make_counter, make_period, make_procedure, make_unit
from tests.telegram.conftest import telegram_api

# The fake Bot API, for the tests that post to the Telegram webhook too (the fuzzing).
__all__ = ["telegram_api"]


@dataclass(frozen=True)
class Place:
    """What a poster at a counter leads to."""

    token: str
    counter_id: int
    unit_id: int
    period_id: int
    period_code: str
    procedure_code: str


def seed_place(session: Session) -> Place:
    unit = make_unit(session)
    counter, token = make_counter(session, unit)
    period = make_period(session)
    birth = make_procedure(session)
    make_procedure(
        session, code="2.000908", name="Chứng thực bản sao từ bản chính", field="Chứng thực"
    )
    return Place(
        token=token.token,
        counter_id=counter.id,
        unit_id=unit.id,
        period_id=period.id,
        period_code=period.code,
        procedure_code=birth.code,
    )


@pytest.fixture
def place(sessions: sessionmaker[Session]) -> Place:
    with sessions.begin() as session:
        return seed_place(session)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def telegram_client(settings: Settings) -> Iterator[TestClient]:
    """The app with Telegram on and the bot's name set, so startup asks Telegram nothing."""
    configured = settings.model_copy(
        update={"telegram_token": SecretStr("1:fake"), "telegram_bot_username": "hailong_bot"}
    )
    with TestClient(create_app(configured)) as client:
        yield client


@dataclass(frozen=True)
class ServedDatabase:
    """A migrated, seeded SQLite file for a real server process."""

    url: str
    place: Place

    def env(self) -> dict[str, str]:
        return {
            "HAILONG_DATABASE_URL": self.url,
            "HAILONG_SECRET_KEY": TEST_SECRET,
            "HAILONG_ENVIRONMENT": "development",
        }


@pytest.fixture
def served_database(tmp_path: Path) -> ServedDatabase:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        place = seed_place(session)
    engine.dispose()
    return ServedDatabase(url=url, place=place)

"""Fixtures for the Telegram tests: the fake Bot API, an office to survey, the app, a chat."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.models import Answer, Base, Response
from hailong.questionnaires.service import parse_source
from hailong.settings import Settings
from survey_flows import Questionnaire
from survey_flows.questionnaire import builtin_source
from tests.factories import make_counter, make_period, make_procedure, make_unit
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import (
    TOKEN,
    WEBHOOK_SECRET,
    Chat,
    Telegram,
    TelegramUser,
    in_process_post,
)

PROCEDURES = {
    "1.001612": "Đăng ký khai sinh",
    "1.004227": "Chứng thực bản sao từ bản chính",
    "2.000889": "Đăng ký thường trú",
}


@dataclass(frozen=True)
class Office:
    """A ward with one counter, its procedures, and an open period."""

    unit_name: str
    unit_code: str
    period_code: str
    counter_id: int
    token: str
    short_code: str
    procedures: dict[str, str]


def seed_office(
    sessions: sessionmaker[Session],
    *,
    procedures: dict[str, str] = PROCEDURES,
    start: date | None = None,
    end: date | None = None,
) -> Office:
    with sessions.begin() as session:
        unit = make_unit(session)
        counter, token = make_counter(session, unit)
        period = make_period(session, start=start, end=end)
        for code, name in procedures.items():
            make_procedure(session, code=code, name=name)
        return Office(
            unit_name=unit.name,
            unit_code=unit.code,
            period_code=period.code,
            counter_id=counter.id,
            token=token.token,
            short_code=token.short_code,
            procedures=dict(procedures),
        )


def telegram_settings_for(settings: Settings, api: FakeTelegramAPI) -> Settings:
    return settings.model_copy(
        update={
            "telegram_token": SecretStr(TOKEN),
            "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "telegram_api_base": api.base_url,
        }
    )


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of every table: "nothing stored" means this does not change."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def stored_answers(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(select(Answer.question_key, Answer.value))
        return {key: value for key, value in rows}


def only_response(engine: Engine) -> Response:
    with Session(engine) as session:
        responses = session.scalars(select(Response)).all()
        assert len(responses) == 1, f"{len(responses)} responses"
        return responses[0]


@pytest.fixture
def questionnaire() -> Questionnaire:
    return parse_source(builtin_source("sipas-2023"))


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramAPI]:
    api = FakeTelegramAPI(token=TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def telegram_settings(settings: Settings, telegram_api: FakeTelegramAPI) -> Settings:
    return telegram_settings_for(settings, telegram_api)


@pytest.fixture
def office(sessions: sessionmaker[Session]) -> Office:
    return seed_office(sessions)


@pytest.fixture
def client(telegram_settings: Settings) -> Iterator[TestClient]:
    # Entered, so the app's lifespan runs: getMe at startup, the bot's HTTP session closed after.
    with TestClient(create_app(telegram_settings)) as client:
        yield client


@pytest.fixture
def telegram(telegram_api: FakeTelegramAPI, client: TestClient) -> Telegram:
    return Telegram(api=telegram_api, post=in_process_post(client))


@pytest.fixture
def user() -> TelegramUser:
    return TelegramUser(id=987654321, language_code="vi")


@pytest.fixture
def chat(telegram: Telegram, user: TelegramUser) -> Chat:
    return Chat(telegram=telegram, user=user)

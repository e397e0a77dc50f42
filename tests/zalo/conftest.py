"""Fixtures for the Zalo tests: the fake OpenAPI, an office to survey, the app, the worker
sending in a thread, and a citizen's phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.zalo import tokens
from hailong.app import create_app
from hailong.models import ChannelCredential, OutboxMessage
from hailong.models.base import utcnow
from hailong.models.outbox import OPEN_STATES
from hailong.outbox.running import background_worker
from hailong.questionnaires.service import parse_source
from hailong.settings import Settings
from survey_flows import Questionnaire
from survey_flows.questionnaire import builtin_source
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram.conftest import Office, seed_office
from tests.zalo.phone import (
    APP_ID,
    APP_SECRET,
    FIRST_ACCESS,
    FIRST_REFRESH,
    OA_SECRET,
    WEBHOOK_PATH,
    Phone,
)

# Quick retries, so a test waits milliseconds where production waits minutes.
FAST: dict[str, Any] = {
    "outbox_backoff_seconds": 0.02,
    "outbox_backoff_max_seconds": 0.1,
    "outbox_poll_seconds": 0.02,
    "outbox_send_timeout_seconds": 5.0,
    "outbox_lease_seconds": 10.0,
    # These tests are about what is stored and sent, not about Zalo's 2 s window: a loaded CI
    # machine's first event on a fresh PostgreSQL database may take longer than 1.5 s.
    "zalo_webhook_deadline_seconds": 20.0,
}
OA_NAME = "UBND Phường Hài Lòng"
OA_URL = "https://zalo.me/2718281828459045235"
CITIZEN = "8146227452147896541"


def zalo_settings_for(settings: Settings, api: FakeZaloAPI, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "zalo_app_id": APP_ID,
            "zalo_oa_secret": SecretStr(OA_SECRET),
            "zalo_app_secret": SecretStr(APP_SECRET),
            "zalo_access_token": SecretStr(FIRST_ACCESS),
            "zalo_refresh_token": SecretStr(FIRST_REFRESH),
            "zalo_oa_name": OA_NAME,
            "zalo_oa_url": OA_URL,
            "zalo_api_base": api.base_url,
            "zalo_oauth_base": api.base_url,
            **FAST,
            **overrides,
        }
    )


def open_messages(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        count = select(func.count()).where(OutboxMessage.state.in_(OPEN_STATES))
        return session.scalar(count) or 0


@pytest.fixture
def questionnaire() -> Questionnaire:
    return parse_source(builtin_source("sipas-2023"))


@pytest.fixture
def zalo_api() -> Iterator[FakeZaloAPI]:
    api = FakeZaloAPI(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        access_token=FIRST_ACCESS,
        refresh_token=FIRST_REFRESH,
    ).start()
    yield api
    api.stop()


@pytest.fixture
def zalo_settings(settings: Settings, zalo_api: FakeZaloAPI) -> Settings:
    return zalo_settings_for(settings, zalo_api)


@pytest.fixture
def office(sessions: sessionmaker[Session]) -> Office:
    return seed_office(sessions)


@pytest.fixture
def client(zalo_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(zalo_settings)) as client:
        yield client


@pytest.fixture
def fresh_tokens(zalo_settings: Settings, sessions: sessionmaker[Session]) -> None:
    """The settings' pair stored as Zalo gave it a day ago, so the worker's upkeep leaves it
    alone and a test's renewals are only the ones it asks for."""
    with sessions.begin() as session:
        tokens.seed(session, tokens.Seed.from_settings(zalo_settings))
        expiry = utcnow() + timedelta(hours=24)
        session.execute(update(ChannelCredential).values(expires_at=expiry))


@pytest.fixture
def worker(zalo_settings: Settings, fresh_tokens: None) -> Iterator[None]:
    with background_worker(zalo_settings):
        yield


@pytest.fixture
def phone(
    client: TestClient,
    zalo_api: FakeZaloAPI,
    sessions: sessionmaker[Session],
    worker: None,
) -> Phone:
    def post(body: bytes, headers: Any) -> Any:
        return client.post(WEBHOOK_PATH, content=body, headers=dict(headers))

    def settle() -> None:
        zalo_api.wait_for(lambda: open_messages(sessions) == 0)

    return Phone(user_id=CITIZEN, post=post, api=zalo_api, settle=settle)

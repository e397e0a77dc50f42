"""A database that stops answering (here: its processes paused with SIGSTOP) loses no answer.

The webhook answers 200 only once the update's transaction has committed. While the
database hangs it answers 503 by its own deadline, well before Telegram gives up waiting, so
Telegram delivers the update again; that delivery, once the database is back, is stored once
and answered with the next question.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from bot.telegram.factory import WEBHOOK_PATH
from hailong import migrate
from hailong.db import make_engine, make_sessionmaker
from hailong.models import InboundEvent
from survey_flows import YES, Questionnaire
from tests.conftest import TEST_SECRET, unavailable
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.infra import postgres_cluster
from tests.telegram.chat import (
    TOKEN,
    WEBHOOK_SECRET,
    Chat,
    Telegram,
    TelegramUser,
    option_label,
    webhook_headers,
)
from tests.telegram.conftest import Office, seed_office, stored_answers
from tests.telegram.plan import start
from tests.web.server import RunningServer, free_port, run_server

DEADLINE_SECONDS = 3
# Telegram waits about a minute for a webhook's answer; ours must come well before.
TELEGRAM_WAITS_SECONDS = 55


@pytest.fixture
def cluster() -> Iterator[postgres_cluster.PausablePostgres]:
    if not postgres_cluster.available():
        unavailable("a PostgreSQL cluster of the test's own", RuntimeError("no initdb"))
    with postgres_cluster.pausable_postgres() as cluster:
        migrate.upgrade(cluster.url)
        yield cluster


@pytest.fixture
def engine(cluster: postgres_cluster.PausablePostgres) -> Iterator[Engine]:
    engine = make_engine(cluster.url)
    yield engine
    engine.dispose()


@pytest.fixture
def office(engine: Engine) -> Office:
    return seed_office(make_sessionmaker(engine))


@pytest.fixture
def server(
    cluster: postgres_cluster.PausablePostgres, telegram_api: FakeTelegramAPI
) -> Iterator[RunningServer]:
    port = free_port()
    env = {
        "HAILONG_DATABASE_URL": cluster.url,
        "HAILONG_SECRET_KEY": TEST_SECRET,
        "HAILONG_BASE_URL": f"http://127.0.0.1:{port}",
        "HAILONG_TELEGRAM_TOKEN": TOKEN,
        "HAILONG_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "HAILONG_TELEGRAM_API_BASE": telegram_api.base_url,
        "HAILONG_WEBHOOK_DEADLINE_SECONDS": str(DEADLINE_SECONDS),
    }
    with run_server(env, port) as server:
        yield server


def events(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(InboundEvent)) or 0


class TestHungDatabase:
    def test_the_update_is_refused_by_the_deadline_and_stored_once_when_delivered_again(
        self,
        cluster: postgres_cluster.PausablePostgres,
        server: RunningServer,
        telegram_api: FakeTelegramAPI,
        office: Office,
        engine: Engine,
        questionnaire: Questionnaire,
    ) -> None:
        http = httpx.Client(timeout=TELEGRAM_WAITS_SECONDS)

        def post(update: dict[str, Any]) -> list[httpx.Response]:
            url = server.url + WEBHOOK_PATH
            return [http.post(url, json=update, headers=webhook_headers())]

        telegram = Telegram(api=telegram_api, post=post)
        chat = Chat(telegram=telegram, user=TelegramUser(id=246_813_579))
        start(chat, office)
        asked = chat.last
        yes = chat.button(option_label(questionnaire.question("received_result"), YES))
        tap = telegram.updates.callback(chat.user, asked, yes["callback_data"])
        sent_before = len(chat.messages())
        events_before = events(engine)

        cluster.pause()
        try:
            began = time.monotonic()
            refused = post(tap)[0]
            waited = time.monotonic() - began
        finally:
            cluster.resume()

        assert refused.status_code == 503
        assert waited < DEADLINE_SECONDS + 5 < TELEGRAM_WAITS_SECONDS
        assert len(chat.messages()) == sent_before

        # Telegram delivers the update again, once the database answers.
        telegram.deliver(tap)

        assert questionnaire.question("procedure").text.vi in chat.last.text
        assert stored_answers(engine) == {"received_result": "yes"}
        assert events(engine) == events_before + 1
        assert str(chat.user.id) not in server.log()

"""Two app processes answer one chat by turns, each remembering the chat as it last left it.

A process keeps the chat's response as it committed it and starts the chat's next update from
that copy (hailong.responses.kept). When the other process has answered in between, the copy
is behind: the process must notice and read the chat again, or it would take the citizen's
answer to the next question for a tap on an old button. Two apps in one test process, each
with its own memory, on one database: every storage test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bot.telegram.factory import WEBHOOK_PATH
from hailong.app import create_app
from hailong.i18n import Catalogs
from hailong.models import ResponseStatus
from hailong.settings import Settings
from survey_flows import Questionnaire
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import Chat, Telegram, TelegramUser, answer_all, webhook_headers
from tests.telegram.conftest import Office, only_response, stored_answers
from tests.telegram.plan import PLAN, start

BOT = Catalogs("bot")
ALREADY_ANSWERED = "This question has already been answered."


@pytest.fixture
def two_apps(telegram_settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(telegram_settings)) as first,
        TestClient(create_app(telegram_settings)) as second,
    ):
        yield first, second


@pytest.mark.parametrize(
    "turns",
    # Which app takes each update: by turns; two, then one of the other (so a process takes
    # a chat back after the other answered, with two answers of its own remembered).
    [(0, 1), (0, 0, 1), (1, 1, 0, 0, 0)],
    ids=["alternate", "two-then-one", "two-then-three"],
)
def test_every_answer_is_taken_whichever_process_took_the_one_before(
    two_apps: tuple[TestClient, TestClient],
    telegram_api: FakeTelegramAPI,
    office: Office,
    engine: Engine,
    questionnaire: Questionnaire,
    user: TelegramUser,
    turns: tuple[int, ...],
) -> None:
    takers = itertools.cycle(turns)

    def post(update: dict[str, Any]) -> list[httpx.Response]:
        app = two_apps[next(takers)]
        return [app.post(WEBHOOK_PATH, json=update, headers=webhook_headers())]

    telegram = Telegram(api=telegram_api, post=post)
    chat = Chat(telegram=telegram, user=user)
    start(chat, office)
    # Each answer() checks the chat shows the question it answers: an answer taken for a tap
    # on an old button would leave the chat on the question before.
    answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)

    notes = [c["text"] for c in telegram_api.calls_of("answerCallbackQuery") if c.get("text")]
    assert BOT.gettext("vi", ALREADY_ANSWERED) not in notes
    response = only_response(engine)
    assert response.status == ResponseStatus.completed
    assert stored_answers(engine) == PLAN

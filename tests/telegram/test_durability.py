"""The conversation lives in the database: a restart or a lost Redis loses nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hailong.app import create_app
from hailong.models import ResponseStatus
from hailong.settings import Settings
from survey_flows import Questionnaire
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.infra.processes import free_port
from tests.telegram.chat import Chat, Telegram, TelegramUser, Updates, in_process_post
from tests.telegram.conftest import Office, only_response, stored_answers
from tests.telegram.plan import PLAN, answer_from, answer_until, start

# Where the second half of the survey is answered, after the break.
RESUME_AT = "C1"


def phone(api: FakeTelegramAPI, client: TestClient, updates: Updates) -> Chat:
    """The same citizen's chat, talking to whichever app process Telegram reaches now."""
    # Telegram's update ids keep rising across our restarts: one Updates for both halves.
    telegram = Telegram(api=api, post=in_process_post(client), updates=updates)
    return Chat(telegram=telegram, user=TelegramUser(id=424242, language_code="vi"))


class TestRestart:
    def test_a_new_app_process_resumes_at_the_next_question(
        self,
        telegram_settings: Settings,
        telegram_api: FakeTelegramAPI,
        office: Office,
        engine: Engine,
        questionnaire: Questionnaire,
    ) -> None:
        updates = Updates()
        with TestClient(create_app(telegram_settings)) as first:
            chat = phone(telegram_api, first, updates)
            start(chat, office)
            answer_until(chat, questionnaire, office, RESUME_AT)
        asked_before = chat.last

        # A new app (new dispatcher, new bot session, nothing in memory) takes the next tap
        # on the message the old one sent.
        with TestClient(create_app(telegram_settings)) as second:
            chat = phone(telegram_api, second, updates)
            assert chat.last.message_id == asked_before.message_id
            answer_from(chat, questionnaire, office, RESUME_AT)

        response = only_response(engine)
        assert response.status == ResponseStatus.completed
        assert stored_answers(engine) == PLAN


class TestRedisDown:
    def test_losing_redis_half_way_loses_no_answer(
        self,
        telegram_settings: Settings,
        telegram_api: FakeTelegramAPI,
        office: Office,
        engine: Engine,
        questionnaire: Questionnaire,
        redis_url: str,
        redis_prefix: str,
    ) -> None:
        updates = Updates()
        with_redis = telegram_settings.model_copy(
            update={"redis_url": redis_url, "redis_prefix": redis_prefix}
        )
        with TestClient(create_app(with_redis)) as first:
            chat = phone(telegram_api, first, updates)
            start(chat, office)
            answer_until(chat, questionnaire, office, RESUME_AT)

        # Nothing listens on this port: Redis is gone.
        gone = telegram_settings.model_copy(
            update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}
        )
        with TestClient(create_app(gone)) as second:
            chat = phone(telegram_api, second, updates)
            answer_from(chat, questionnaire, office, RESUME_AT)

        assert only_response(engine).status == ResponseStatus.completed
        assert stored_answers(engine) == PLAN

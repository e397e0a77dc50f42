"""Who the citizen is stays in Telegram: only a keyed hash in the database, nothing in logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, select

from hailong.models import Base
from hailong.responses.privacy import respondent_ref
from survey_flows import Questionnaire
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import Chat, Telegram, TelegramUser, answer_all
from tests.telegram.conftest import Office, only_response
from tests.telegram.plan import PLAN, start

# Distinctive, so a substring search cannot match anything by chance.
CITIZEN = TelegramUser(id=731_594_286_017, language_code="vi", first_name="Xuyến")


def every_stored_value(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [
            str(value)
            for table in Base.metadata.sorted_tables
            for row in connection.execute(select(table))
            for value in row
            if value is not None
        ]


class TestStorage:
    def test_the_telegram_user_id_is_stored_only_as_a_keyed_hash(
        self, telegram: Telegram, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        chat = Chat(telegram=telegram, user=CITIZEN)
        start(chat, office)
        answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)

        stored = every_stored_value(engine)
        assert stored, "the survey stored nothing"
        assert not [value for value in stored if str(CITIZEN.id) in value]
        assert not [value for value in stored if CITIZEN.first_name in value]
        ref = only_response(engine).respondent_ref
        assert ref == respondent_ref(TEST_SECRET, "telegram", CITIZEN.id)
        # Keyed: the same id under another secret gives another hash.
        assert ref != respondent_ref("another-secret", "telegram", CITIZEN.id)


class TestLogs:
    def test_a_whole_survey_logs_no_chat_text_and_no_id(
        self,
        telegram: Telegram,
        telegram_api: FakeTelegramAPI,
        office: Office,
        questionnaire: Questionnaire,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        # Telegram refusing the edits makes the app log its warnings too.
        telegram_api.refuse.add("editMessageText")
        chat = Chat(telegram=telegram, user=CITIZEN)
        caplog.set_level(logging.DEBUG)

        start(chat, office)
        answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)

        logged = caplog.text
        app_records = [
            r for r in caplog.records if r.name.startswith(("aiogram", "bot.", "webhook."))
        ]
        assert any(r.levelno >= logging.WARNING for r in app_records), "nothing was logged"
        assert str(CITIZEN.id) not in logged
        assert CITIZEN.first_name not in logged
        assert PLAN["comment"] and PLAN["comment"] not in logged
        assert office.short_code not in logged and office.token not in logged

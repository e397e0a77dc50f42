"""The whole survey in a Telegram chat, through POST /webhook/telegram and the fake Bot API."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from hailong.models import ResponseStatus
from hailong.responses.csvformat import ANSWER_COLUMNS
from hailong.responses.privacy import respondent_ref
from survey_flows import NO, YES, Questionnaire, progress
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import Chat, answer, answer_all, option_label
from tests.telegram.conftest import Office, only_response, stored_answers
from tests.telegram.plan import PLAN, start


class TestWholeSurvey:
    def test_every_answer_is_stored_once_under_channel_telegram(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)

        assert "Cảm ơn" in chat.last.text
        assert not chat.last.buttons()
        response = only_response(engine)
        assert response.channel == "telegram"
        assert response.status == ResponseStatus.completed
        assert response.counter_id == office.counter_id
        assert response.procedure_code == PLAN["procedure"]
        assert stored_answers(engine) == PLAN

    def test_the_citizen_is_known_only_by_a_keyed_hash(
        self, chat: Chat, office: Office, engine: Engine
    ) -> None:
        start(chat, office)
        response = only_response(engine)
        assert response.respondent_ref == respondent_ref(TEST_SECRET, "telegram", chat.user.id)
        assert str(chat.user.id) not in (response.respondent_ref or "")


class TestQuestionMessages:
    def test_first_question_shows_its_number_out_of_the_path(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        _, total = progress(questionnaire, {})
        first = chat.last
        assert f"Câu 1/{total}" in first.text
        assert questionnaire.question("received_result").text.vi in first.text
        question = questionnaire.question("received_result")
        yes, no = option_label(question, YES), option_label(question, NO)
        assert [b["text"] for b in first.buttons()] == [yes, no]

    def test_a_tap_edits_the_question_to_show_the_answer_without_buttons(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        asked = chat.last
        yes = option_label(questionnaire.question("received_result"), YES)
        chat.tap(yes)
        edited = next(m for m in chat.messages() if m.message_id == asked.message_id)
        assert edited.buttons() == []
        assert edited.text.endswith(yes)
        assert "Câu 2/" in chat.last.text

    def test_criteria_offer_the_five_level_scale_and_skip(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer(chat, questionnaire.question("received_result"), "yes", procedure_names={})
        answer(chat, questionnaire.question("procedure"), "other", procedure_names={})
        # One row of numbers, least satisfied first, and their words once in the message.
        markup = chat.last.reply_markup or {}
        rows = [[b["text"] for b in row] for row in markup["inline_keyboard"]]
        assert rows == [["1", "2", "3", "4", "5"], ["Bỏ qua"]]
        assert chat.last.text.endswith(
            "1 Rất không hài lòng · 2 Không hài lòng · 3 Bình thường · 4 Hài lòng · 5 Rất hài lòng"
        )

    def test_every_button_fits_telegrams_64_bytes(
        self,
        chat: Chat,
        office: Office,
        questionnaire: Questionnaire,
        telegram_api: FakeTelegramAPI,
    ) -> None:
        start(chat, office)
        answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)
        sent = telegram_api.calls_of("sendMessage") + telegram_api.calls_of(
            "editMessageReplyMarkup"
        )
        data = [
            button["callback_data"]
            for call in sent
            for row in (call.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        assert data and all(len(d.encode()) <= 64 for d in data)


class TestExport:
    def test_the_export_shows_the_chat_response_with_channel_telegram_and_its_answers(
        self,
        chat: Chat,
        office: Office,
        database_url: str,
        questionnaire: Questionnaire,
        tmp_path: Path,
    ) -> None:
        start(chat, office)
        answer_all(chat, questionnaire, PLAN, procedure_names=office.procedures)

        out = tmp_path / "out.csv"
        result = hailong_command(
            database_url, "export", "responses", "--period", office.period_code, "-o", str(out)
        )

        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert len(rows) == 1
        row = rows[0]
        assert (row["channel"], row["unit_code"], row["period"]) == (
            "telegram",
            office.unit_code,
            office.period_code,
        )
        assert row["procedure_code"] == PLAN["procedure"]
        assert row["submitted_at"]
        exported = {column: row[column] for column in ANSWER_COLUMNS}
        assert exported == {column: PLAN.get(column) or "" for column in ANSWER_COLUMNS}


def hailong_command(database_url: str, *args: str) -> Result:
    """`hailong ARGS...` in-process, with only this test's settings in the environment."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    env["HAILONG_DATABASE_URL"] = database_url
    return CliRunner().invoke(build_cli(), list(args), env=env)

"""The whole survey in a Telegram chat, through POST /webhook/telegram and the fake Bot API."""

from __future__ import annotations

from sqlalchemy import Engine

from hailong.models import ResponseStatus
from hailong.responses.privacy import respondent_ref
from qr.tokens import start_payload
from survey_flows import Questionnaire, progress
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.chat import Chat, answer, answer_all
from tests.telegram.conftest import Office, only_response, stored_answers

PLAN: dict[str, str | None] = {
    "received_result": "yes",
    "procedure": "1.004227",
    "A1": "5",
    "A2": "4",
    "A3": "3",
    "A4": None,
    "B1": "2",
    "B2": "1",
    "B3": "5",
    "B4": "4",
    "C1": "5",
    "C2": "5",
    "C3": "4",
    "C4": "4",
    "C5": "3",
    "D1": "5",
    "D2": "4",
    "D3": "4",
    "gave_feedback": "yes",
    "E1": "3",
    "E2": "2",
    "E3": "1",
    "harassment": "1",
    "extra_payment": "2",
    "priorities": "P1;P4",
    "comment": "Cán bộ hướng dẫn rất tận tình, cảm ơn.",
    "respondent_type": "individual",
    "gender": None,
    "age_group": "25_34",
    "education": "university",
}


def start(chat: Chat, office: Office) -> None:
    chat.send(f"/start {start_payload(office.token)}")


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
        assert [b["text"] for b in first.buttons()] == ["Có", "Không"]

    def test_a_tap_edits_the_question_to_show_the_answer_without_buttons(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        asked = chat.last
        chat.tap("Có")
        edited = next(m for m in chat.messages() if m.message_id == asked.message_id)
        assert edited.buttons() == []
        assert edited.text.endswith("Có")
        assert "Câu 2/" in chat.last.text

    def test_criteria_offer_the_five_level_scale_and_skip(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer(chat, questionnaire.question("received_result"), "yes", procedure_names={})
        answer(chat, questionnaire.question("procedure"), "other", procedure_names={})
        labels = [b["text"] for b in chat.last.buttons()]
        assert labels == [
            "Rất hài lòng",
            "Hài lòng",
            "Bình thường",
            "Không hài lòng",
            "Rất không hài lòng",
            "Bỏ qua",
        ]

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

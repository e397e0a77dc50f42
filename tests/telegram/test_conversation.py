"""Entering the survey and talking to the bot, as a citizen does it on a phone."""

from __future__ import annotations

import copy
import itertools
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import words
from hailong.app import create_app
from hailong.counters.tokens import start_payload
from hailong.i18n import Catalogs
from hailong.models import Base, ResponseStatus
from hailong.settings import Settings
from survey_flows import (
    NO,
    OTHER_PROCEDURE,
    YES,
    Question,
    QuestionKind,
    Questionnaire,
    progress,
)
from tests.fakes.telegram_api import ChatMessage, FakeTelegramAPI
from tests.telegram.chat import (
    DONE_LABEL,
    SKIP_LABEL,
    Chat,
    Telegram,
    TelegramUser,
    answer,
    option_label,
    scale_button,
)
from tests.telegram.conftest import Office, only_response, row_counts, seed_office, stored_answers
from tests.telegram.plan import PLAN, answer_until, start

BOT = Catalogs("bot")


def said(text: str, language: str = "vi") -> str:
    """What the bot says for an English msgid, in the citizen's language."""
    return BOT.gettext(language, text)


def every_value(engine: Engine, table: str) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(select(Base.metadata.tables[table]))
        return [str(value) for row in rows for value in row]


def message_by_id(chat: Chat, message_id: int) -> ChatMessage:
    return next(m for m in chat.messages() if m.message_id == message_id)


def labels(message: ChatMessage) -> list[str]:
    return [button["text"] for button in message.buttons()]


class TestLandingLink:
    def test_the_landing_page_links_to_the_bot_with_the_counters_start_payload(
        self, client: TestClient, office: Office, telegram_api: FakeTelegramAPI
    ) -> None:
        page = client.get(f"/q/{office.token}")

        # The bot's username came from getMe on the fake Bot API when the app started.
        link = f"https://t.me/{telegram_api.username}?start={start_payload(office.token)}"
        assert page.status_code == 200
        assert f'href="{link}"' in page.text
        assert "Trả lời qua Telegram" in page.text
        assert "getMe" in telegram_api.methods()

    def test_a_bot_api_outage_at_startup_only_delays_the_link(
        self, telegram_settings: Settings, office: Office, telegram_api: FakeTelegramAPI
    ) -> None:
        telegram_api.refuse.add("getMe")
        with TestClient(create_app(telegram_settings)) as client:
            page = client.get(f"/q/{office.token}")
            assert page.status_code == 200
            assert "t.me/" not in page.text  # no link to a bot whose name we do not know
            assert "Bắt đầu" in page.text  # the web form is there all the same

            telegram_api.refuse.discard("getMe")  # Telegram answers again
            telegram_api.wait_for(lambda api: api.methods().count("getMe") >= 2, seconds=15)
            link = f"https://t.me/{telegram_api.username}?start={start_payload(office.token)}"
            deadline = time.monotonic() + 5
            while f'href="{link}"' not in client.get(f"/q/{office.token}").text:
                assert time.monotonic() < deadline, "the landing page never linked to the bot"
                time.sleep(0.05)


class TestStart:
    def test_the_link_starts_a_survey_for_that_counter(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)

        response = only_response(engine)
        assert (response.counter_id, response.channel) == (office.counter_id, "telegram")
        assert response.status == ResponseStatus.in_progress
        first = chat.last.text
        assert office.unit_name in first
        assert f"Câu 1/{progress(questionnaire, {})[1]}" in first

    def test_the_link_again_resumes_where_the_citizen_was(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "A2")

        start(chat, office)

        assert only_response(engine).status == ResponseStatus.in_progress
        resumed = chat.last.text
        assert resumed.startswith(said("Welcome back! Let us continue where you stopped."))
        assert questionnaire.question("A2").text.vi in resumed
        assert set(stored_answers(engine)) == {"received_result", "procedure", "A1"}

    def test_plain_start_asks_for_the_short_code_and_stores_nothing(
        self, chat: Chat, office: Office, engine: Engine
    ) -> None:
        before = row_counts(engine)

        chat.send("/start")

        assert chat.last.text == words.ask_for_code(BOT.get("vi").gettext)
        assert not chat.last.buttons()
        assert row_counts(engine) == before

    def test_plain_start_resumes_an_unfinished_survey(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "procedure")

        chat.send("/start")

        assert questionnaire.question("procedure").text.vi in chat.last.text
        assert office.procedures["1.004227"] in labels(chat.last)

    def test_typing_the_short_code_starts_the_survey(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        chat.send("/start")
        # As read off a poster: lower case, a space in the middle.
        typed = f"{office.short_code[:3].lower()} {office.short_code[3:].lower()}"

        chat.send(typed)

        assert only_response(engine).counter_id == office.counter_id
        question = questionnaire.question("received_result")
        assert question.text.vi in chat.last.text
        assert labels(chat.last) == [option_label(question, YES), option_label(question, NO)]


class TestCancel:
    def test_huy_abandons_the_survey_and_its_old_buttons_do_nothing(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "A1")
        question = chat.with_buttons()

        chat.send("/huy")

        assert only_response(engine).status == ResponseStatus.abandoned
        assert chat.last.text == said(
            "The survey has been cancelled and your answers will not be counted. To start "
            "again, type the counter code or scan the QR code."
        )
        before = row_counts(engine)
        chat.tap(scale_button(questionnaire.question("A1"), "5"), question)
        assert chat.telegram.bodies[-1]["method"] == "answerCallbackQuery"
        assert chat.telegram.bodies[-1]["text"] == said("This question has already been answered.")
        assert row_counts(engine) == before

    def test_after_huy_the_link_starts_afresh(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "A1")
        chat.send("/huy")

        start(chat, office)

        assert "Câu 1/" in chat.last.text
        assert row_counts(engine)["response"] == 2


class TestLanguage:
    def test_ngonngu_switches_to_english_and_back(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        question = questionnaire.question("received_result")

        chat.send("/ngonngu")

        assert chat.last.text.startswith("From now on the survey is in English.")
        assert question.text.en in chat.last.text and "Question 1/" in chat.last.text
        assert labels(chat.last) == [
            option_label(question, YES, "en"),
            option_label(question, NO, "en"),
        ]
        assert only_response(engine).language == "en"

        chat.send("/ngonngu")

        assert question.text.vi in chat.last.text and "Câu 1/" in chat.last.text
        assert labels(chat.last) == [option_label(question, YES), option_label(question, NO)]
        assert only_response(engine).language == "vi"

    def test_a_language_chosen_before_the_survey_is_kept_for_it(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        chat.send("/start")
        chat.send("/ngonngu")
        assert chat.last.text.startswith("From now on the survey is in English.")

        chat.send(office.short_code)

        assert only_response(engine).language == "en"
        assert questionnaire.question("received_result").text.en in chat.last.text
        assert "Question 1/" in chat.last.text
        stored = every_value(engine, "chat_language")
        assert stored and str(chat.user.id) not in " ".join(stored)

    def test_the_chosen_language_holds_for_every_reply(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        # A Vietnamese Telegram app, and a citizen who asked for English.
        chat.send("/ngonngu en")
        start(chat, office)
        before_tap = copy.deepcopy(chat.last)
        chat.tap(option_label(questionnaire.question("received_result"), YES, "en"))

        chat.send_sticker()
        assert chat.last.text == BOT.gettext(
            "en", "Please answer with the buttons or a text message."
        )

        chat.tap(option_label(questionnaire.question("received_result"), YES, "en"), before_tap)
        assert chat.telegram.bodies[-1]["text"] == BOT.gettext(
            "en", "This question has already been answered."
        )
        chat.tap_data(chat.last, "not-one-of-ours")
        assert chat.telegram.bodies[-1]["text"] == BOT.gettext(
            "en", "This question has already been answered."
        )
        assert row_counts(engine)["response"] == 1

    @pytest.mark.parametrize(
        ("language_code", "expected"),
        [("en", "en"), ("en-GB", "en"), ("vi", "vi"), ("fr", "vi"), (None, "vi")],
    )
    def test_the_first_language_is_the_telegram_apps_or_vietnamese(
        self,
        telegram: Telegram,
        office: Office,
        engine: Engine,
        questionnaire: Questionnaire,
        language_code: str | None,
        expected: str,
    ) -> None:
        chat = Chat(telegram=telegram, user=TelegramUser(id=55501, language_code=language_code))

        start(chat, office)

        heading = said("Question {number}/{total}", expected).format(
            number=1, total=progress(questionnaire, {})[1]
        )
        assert heading in chat.last.text
        assert questionnaire.question("received_result").text.get(expected) in chat.last.text
        assert only_response(engine).language == expected


class TestQuestionMessages:
    def test_the_fifth_question_is_marked_cau_5_of_the_citizens_path(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        keys = list(PLAN)
        answer_until(chat, questionnaire, office, keys[4])

        number, total = progress(questionnaire, {k: PLAN[k] for k in keys[:4]})
        assert number == 5
        assert chat.last.text.startswith(f"Câu 5/{total} · ")

    def test_every_choice_has_a_button_and_only_optional_questions_can_be_skipped(
        self, chat: Chat, office: Office, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        seen: set[QuestionKind] = set()
        for key, value in PLAN.items():
            question = questionnaire.question(key)
            shown = labels(chat.last)
            expected = expected_labels(question, office)
            assert len(shown) == len(expected), (key, shown)
            for button, label in zip(shown, expected, strict=True):
                assert fits(button, label), (key, button, label)
            seen.add(question.kind)
            answer(chat, question, value, procedure_names=office.procedures)
        assert seen == set(QuestionKind)

    def test_priorities_take_up_to_three_then_xong(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "priorities")
        question = questionnaire.question("priorities")
        limit = question.max_choices
        assert limit == 3
        asked = chat.last
        picked = [option.code for option in question.options[: limit + 1]]

        for code in picked[:limit]:
            chat.tap(option_label(question, code), asked)
        ticked = [label for label in labels(message_by_id(chat, asked.message_id)) if "✅" in label]
        assert len(ticked) == limit
        chat.tap(option_label(question, picked[limit]), asked)
        assert chat.telegram.bodies[-1]["text"] == said("You can choose at most {limit}.").format(
            limit=limit
        )
        assert "priorities" not in stored_answers(engine)

        chat.tap(DONE_LABEL, asked)

        assert stored_answers(engine)["priorities"] == ";".join(picked[:limit])
        done = message_by_id(chat, asked.message_id)
        assert not done.buttons()
        assert all(option_label(question, c) in done.text for c in picked[:limit])
        assert questionnaire.question("comment").text.vi in chat.last.text

    def test_the_comment_is_typed_and_too_long_a_comment_is_refused_politely(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "comment")
        limit = questionnaire.question("comment").max_length
        assert limit is not None

        chat.send("ý" * (limit + 1))

        assert chat.last.text == said("Please keep your answer under {limit} characters.").format(
            limit=limit
        )
        assert "comment" not in stored_answers(engine)
        chat.send("Phòng chờ hơi nóng.")
        assert stored_answers(engine)["comment"] == "Phòng chờ hơi nóng."
        assert questionnaire.question("respondent_type").text.vi in chat.last.text

    def test_many_procedures_are_shown_a_page_at_a_time(
        self,
        telegram: Telegram,
        sessions: sessionmaker[Session],
        engine: Engine,
        questionnaire: Questionnaire,
    ) -> None:
        many = {f"1.{900000 + n}": f"Thủ tục số {n:02d}" for n in range(1, 16)}
        office = seed_office(sessions, procedures=many)
        chat = Chat(telegram=telegram, user=TelegramUser(id=55502))
        start(chat, office)
        chat.tap(option_label(questionnaire.question("received_result"), YES))
        asked = chat.last
        wanted_code, wanted_name = list(many.items())[-1]

        pages: list[list[str]] = []
        for _ in range(len(many)):
            shown = labels(message_by_id(chat, asked.message_id))
            pages.append([label for label in shown if label in many.values()])
            if wanted_name in shown or "Sau »" not in shown:
                break
            chat.tap("Sau »", message_by_id(chat, asked.message_id))

        assert len(pages) > 1
        assert all(len(page) < len(many) for page in pages)
        assert list(itertools.chain(*pages)) == sorted(many.values())
        assert "« Trước" in labels(message_by_id(chat, asked.message_id))
        chat.tap(wanted_name, message_by_id(chat, asked.message_id))
        assert stored_answers(engine)["procedure"] == wanted_code


def expected_labels(question: Question, office: Office) -> list[str]:
    """The buttons a question should have, from the questionnaire and the unit's procedures."""
    if question.kind is QuestionKind.text:
        found: list[str] = []
    elif question.kind is QuestionKind.procedure:
        found = [*sorted(office.procedures.values()), option_label(question, OTHER_PROCEDURE)]
    elif question.kind is QuestionKind.multi_choice:
        found = [option.label.vi for option in question.options] + [DONE_LABEL]
    elif question.kind is QuestionKind.criterion:
        # One row of numbers, 1 (least satisfied) to 5; their words are in the message.
        found = [str(place) for place in range(1, len(question.options) + 1)]
    else:
        found = [option.label.vi for option in question.options]
    return found + ([] if question.is_required else [SKIP_LABEL])


def fits(button: str, label: str) -> bool:
    """A button shows its label, maybe ticked or cut short with "…" to fit a phone."""
    button = button.removeprefix("⬜ ").removeprefix("✅ ")
    return button == label or (button.endswith("…") and label.startswith(button[:-1]))


class TestTypedAnswers:
    def test_a_score_can_be_typed_in_words_or_digits_and_zero_skips(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "A1")

        chat.send("4")
        chat.send("rat hai long")
        chat.send("0")

        stored = stored_answers(engine)
        assert (stored["A1"], stored["A2"], stored["A3"]) == ("4", "5", None)
        assert questionnaire.question("A4").text.vi in chat.last.text

    def test_a_typed_text_that_is_no_answer_is_met_with_a_nudge(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        answer_until(chat, questionnaire, office, "A1")
        before = row_counts(engine)

        chat.send("hài lòng lắm")

        assert chat.last.text.startswith(said("Please tap one of the buttons under the question."))
        assert questionnaire.question("A1").text.vi in chat.last.text
        assert row_counts(engine) == before

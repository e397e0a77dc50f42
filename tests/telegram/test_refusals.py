"""Everything the bot turns away: a polite answer, Vietnamese first, and the database unchanged."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.guessing import MISSES
from bot.chat.words import too_many_guesses
from bot.telegram.factory import WEBHOOK_PATH
from hailong.counters import service as counters
from hailong.counters.tokens import SHORT_CODE_ALPHABET, start_payload
from hailong.i18n import Catalogs
from hailong.models import Counter, Response, ResponseStatus
from hailong.periods.service import today_in_vietnam
from hailong.survey.service import STARTS_PER_RESPONDENT
from survey_flows import YES, Questionnaire
from tests.telegram.chat import (
    Chat,
    Telegram,
    TelegramUser,
    Updates,
    option_label,
    webhook_headers,
)
from tests.telegram.conftest import Office, row_counts, seed_office
from tests.telegram.plan import start

BOT = Catalogs("bot")
WATCHED = ("response", "answer", "inbound_event", "tally", "unit_tally")


def watched(engine: Engine) -> dict[str, int]:
    counts = row_counts(engine)
    return {table: counts[table] for table in WATCHED}


def in_both(msgid: str, **params: str) -> tuple[str, str]:
    return tuple(BOT.gettext(lang, msgid).format(**params) for lang in ("vi", "en"))  # type: ignore[return-value]


def assert_vietnamese_then_english(text: str, msgid: str, **params: str) -> None:
    vi, en = in_both(msgid, **params)
    assert vi != en
    assert text.startswith(vi), text
    assert text.index(en) > text.index(vi)


def last_reply(chat: Chat) -> dict[str, object]:
    """The Bot API call the webhook answered the last update with."""
    return chat.telegram.bodies[-1]


def retire(sessions: sessionmaker[Session], office: Office, how: str) -> None:
    with sessions.begin() as session:
        counter = session.scalar(select(Counter).where(Counter.id == office.counter_id))
        assert counter is not None
        if how == "revoke":
            counters.revoke(session, counter)
        else:
            counters.rotate(session, counter)


UNKNOWN = (
    "We could not find a counter with this code. Please check the code printed under the QR "
    "code and type it again."
)
REVOKED = "This code is no longer in use. Please ask at the counter for the current one."
REPLACED = (
    "This code has been replaced by a new one. Please use the code on the new poster at the "
    "counter."
)


class TestOldButtons:
    def test_a_button_of_a_question_already_answered_changes_nothing(
        self, chat: Chat, office: Office, engine: Engine, questionnaire: Questionnaire
    ) -> None:
        start(chat, office)
        # The message as it was before the tap edited its buttons away (a second phone, a
        # slow client): its "yes" button is still there to tap.
        before_tap = copy.deepcopy(chat.last)
        yes = option_label(questionnaire.question("received_result"), YES)
        chat.tap(yes)
        counts = watched(engine)
        sent = len(chat.messages())

        chat.tap(yes, before_tap)

        reply = last_reply(chat)
        assert reply["method"] == "answerCallbackQuery"
        assert reply["text"] == BOT.gettext("vi", "This question has already been answered.")
        assert watched(engine) == counts
        assert len(chat.messages()) == sent

    @pytest.mark.parametrize(
        "data",
        [
            "not-one-of-ours",
            "a:1:received_result",  # a field short
            "a:one:received_result:yes",  # not a response id
            "a:1:received_result:maybe",  # not a choice of this question
            "m:1:received_result:3:0",  # a multiple-choice toggle on a yes/no question
            "p:1:received_result:2",  # a page of a question without pages
        ],
    )
    def test_a_button_that_no_layout_of_ours_sends_is_answered_and_ignored(
        self, chat: Chat, office: Office, engine: Engine, data: str
    ) -> None:
        start(chat, office)
        counts = watched(engine)

        chat.tap_data(chat.last, data)

        assert last_reply(chat)["method"] == "answerCallbackQuery"
        assert watched(engine) == counts


class TestStartPayload:
    def test_a_revoked_counters_link_is_refused_politely(
        self, chat: Chat, office: Office, sessions: sessionmaker[Session], engine: Engine
    ) -> None:
        retire(sessions, office, "revoke")
        counts = watched(engine)

        start(chat, office)

        assert last_reply(chat)["method"] == "sendMessage"
        assert_vietnamese_then_english(chat.last.text, REVOKED)
        assert not chat.last.buttons()
        assert watched(engine) == counts

    def test_a_replaced_counters_link_says_so(
        self, chat: Chat, office: Office, sessions: sessionmaker[Session], engine: Engine
    ) -> None:
        retire(sessions, office, "rotate")
        counts = watched(engine)

        start(chat, office)

        assert_vietnamese_then_english(chat.last.text, REPLACED)
        assert watched(engine) == counts

    def test_a_payload_that_is_no_counter_of_ours_is_refused(
        self, chat: Chat, office: Office, engine: Engine
    ) -> None:
        counts = watched(engine)

        chat.send(f"/start {start_payload('A' * 22)}")
        assert_vietnamese_then_english(chat.last.text, UNKNOWN)
        chat.send("/start something-else")
        assert_vietnamese_then_english(chat.last.text, UNKNOWN)

        assert watched(engine) == counts

    def test_a_closed_period_is_named_with_its_dates_and_nothing_is_stored(
        self, telegram: Telegram, sessions: sessionmaker[Session], engine: Engine
    ) -> None:
        today = today_in_vietnam()
        office = seed_office(
            sessions, start=today - timedelta(days=30), end=today - timedelta(days=1)
        )
        chat = Chat(telegram=telegram, user=TelegramUser(id=55503))
        counts = watched(engine)

        start(chat, office)

        dates = {
            "start": (today - timedelta(days=30)).strftime("%d/%m/%Y"),
            "end": (today - timedelta(days=1)).strftime("%d/%m/%Y"),
        }
        assert_vietnamese_then_english(
            chat.last.text, "The survey has closed. It ran from {start} to {end}.", **dates
        )
        assert watched(engine) == counts


class TestShortCode:
    def test_an_unknown_short_code_is_refused_politely(
        self, chat: Chat, office: Office, engine: Engine
    ) -> None:
        unknown = next(
            code for code in (c * 6 for c in SHORT_CODE_ALPHABET) if code != office.short_code
        )
        counts = watched(engine)

        chat.send(unknown)

        assert_vietnamese_then_english(chat.last.text, UNKNOWN)
        assert watched(engine) == counts

    @pytest.mark.parametrize("misses", [MISSES - 1, MISSES])
    def test_codes_guessed_again_and_again_are_refused_without_a_look(
        self, chat: Chat, office: Office, engine: Engine, misses: int
    ) -> None:
        unknown = [c * 6 for c in SHORT_CODE_ALPHABET if c * 6 != office.short_code]
        for code in unknown[:misses]:
            chat.send(code)
        counts = watched(engine)

        chat.send(office.short_code)

        if misses < MISSES:
            # A citizen who mistyped a few times still gets the survey.
            assert watched(engine)["response"] == counts["response"] + 1
        else:
            assert chat.last.text == too_many_guesses(BOT)
            assert watched(engine) == counts

    def test_a_revoked_counters_short_code_says_it_is_no_longer_in_use(
        self, chat: Chat, office: Office, sessions: sessionmaker[Session], engine: Engine
    ) -> None:
        retire(sessions, office, "revoke")
        counts = watched(engine)

        chat.send(office.short_code)

        assert_vietnamese_then_english(chat.last.text, REVOKED)
        assert watched(engine) == counts

    def test_a_replaced_short_code_points_to_the_new_poster(
        self, chat: Chat, office: Office, sessions: sessionmaker[Session], engine: Engine
    ) -> None:
        retire(sessions, office, "rotate")
        counts = watched(engine)

        chat.send(office.short_code)

        assert_vietnamese_then_english(chat.last.text, REPLACED)
        assert watched(engine) == counts


class TestOtherChats:
    def test_a_group_chat_gets_no_survey_and_nothing_is_stored(
        self, client: TestClient, office: Office, user: TelegramUser, engine: Engine
    ) -> None:
        update = Updates().message(user, f"/start {start_payload(office.token)}")
        update["message"]["chat"] = {"id": -100123456, "type": "group", "title": "Tổ dân phố 3"}
        counts = watched(engine)

        reply = client.post(WEBHOOK_PATH, json=update, headers=webhook_headers())

        assert (reply.status_code, reply.json()) == (200, {})
        assert watched(engine) == counts

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param(
                {"chat": {"id": -100123456, "type": "group", "title": "Tổ 3"}}, id="group"
            ),
            pytest.param({"from": {"id": 99, "is_bot": True, "first_name": "Bot"}}, id="bot"),
        ],
    )
    def test_a_tap_from_a_group_or_a_bot_is_ignored_and_nothing_is_stored(
        self, client: TestClient, chat: Chat, engine: Engine, office: Office, change: dict[str, Any]
    ) -> None:
        chat.send(f"/start {start_payload(office.token)}")
        shown = chat.with_buttons()
        data = shown.buttons()[0]["callback_data"]
        tap = chat.telegram.updates.callback(chat.user, shown, data)
        changed = copy.deepcopy(tap)
        query = changed["callback_query"]
        (query["message"] if "chat" in change else query).update(change)
        counts = watched(engine)

        reply = client.post(WEBHOOK_PATH, json=changed, headers=webhook_headers())

        assert (reply.status_code, reply.json()) == (200, {})
        assert watched(engine) == counts
        # The same tap from the citizen's own chat is an answer.
        client.post(WEBHOOK_PATH, json=tap, headers=webhook_headers())
        assert watched(engine)["answer"] == counts["answer"] + 1


class TestRevokedMidway:
    def test_a_revoked_counters_survey_stops_at_the_next_answer(
        self,
        chat: Chat,
        office: Office,
        sessions: sessionmaker[Session],
        engine: Engine,
        questionnaire: Questionnaire,
    ) -> None:
        start(chat, office)
        chat.tap(option_label(questionnaire.question("received_result"), YES))
        retire(sessions, office, "revoke")
        counts = watched(engine)

        chat.tap("Thủ tục khác")

        reply = last_reply(chat)
        assert reply["method"] == "answerCallbackQuery" and reply["show_alert"] is True
        assert_vietnamese_then_english(str(reply["text"]), REVOKED)
        assert watched(engine) == counts
        with sessions() as session:
            response = session.scalars(select(Response)).one()
            assert response.status == ResponseStatus.in_progress


class TestStartLimit:
    def test_one_account_cannot_start_survey_after_survey_at_one_counter(
        self, chat: Chat, office: Office, engine: Engine
    ) -> None:
        limit = STARTS_PER_RESPONDENT.limit
        for _ in range(limit):
            start(chat, office)
            chat.send("/huy")
        counts = watched(engine)

        start(chat, office)

        assert_vietnamese_then_english(
            chat.last.text,
            "You have started several surveys at this counter in the last hour. "
            "Please try again a little later.",
        )
        assert not chat.last.buttons()
        assert watched(engine) == counts
        assert counts["response"] == limit

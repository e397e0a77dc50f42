"""POST /webhook/telegram at its edge: secret, size, shape, repeats, the reply in the body."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bot.telegram.factory import WEBHOOK_PATH
from hailong.app import create_app
from hailong.counters.tokens import start_payload
from hailong.settings import Settings
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.infra.processes import free_port
from tests.telegram.chat import Chat, TelegramUser, Updates, webhook_headers
from tests.telegram.conftest import Office, row_counts, telegram_settings_for


def start_update(office: Office, user: TelegramUser) -> dict[str, object]:
    return Updates().message(user, f"/start {start_payload(office.token)}")


class TestSecretToken:
    def test_wrong_secret_is_refused_and_nothing_is_stored(
        self, client: TestClient, office: Office, user: TelegramUser, engine: Engine
    ) -> None:
        before = row_counts(engine)
        response = client.post(
            WEBHOOK_PATH, json=start_update(office, user), headers=webhook_headers("wrong-secret")
        )
        assert response.status_code == 401
        assert row_counts(engine) == before

    def test_missing_secret_is_refused(
        self, client: TestClient, office: Office, user: TelegramUser, engine: Engine
    ) -> None:
        before = row_counts(engine)
        response = client.post(WEBHOOK_PATH, json=start_update(office, user))
        assert response.status_code == 401
        assert row_counts(engine) == before

    def test_the_right_secret_is_accepted(
        self, client: TestClient, office: Office, user: TelegramUser
    ) -> None:
        response = client.post(
            WEBHOOK_PATH, json=start_update(office, user), headers=webhook_headers()
        )
        assert response.status_code == 200


class TestBody:
    def test_malformed_json_is_a_400_and_nothing_is_stored(
        self, client: TestClient, office: Office, engine: Engine
    ) -> None:
        before = row_counts(engine)
        response = client.post(
            WEBHOOK_PATH,
            content=b'{"update_id": 1, "message": {',
            headers={**webhook_headers(), "content-type": "application/json"},
        )
        assert response.status_code == 400
        assert row_counts(engine) == before

    def test_json_that_is_not_an_update_is_a_400(
        self, client: TestClient, office: Office, engine: Engine
    ) -> None:
        before = row_counts(engine)
        response = client.post(WEBHOOK_PATH, json={"hello": "world"}, headers=webhook_headers())
        assert response.status_code == 400
        assert row_counts(engine) == before

    def test_a_tap_without_its_message_s_chat_is_a_400(
        self, client: TestClient, office: Office, engine: Engine
    ) -> None:
        # The webhook cuts a tap's message down before checking it: what it keeps must still
        # be checked (a tap's handler answers in the message's chat).
        before = row_counts(engine)
        tap = {
            "update_id": 7,
            "callback_query": {
                "id": "1",
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
                "chat_instance": "1",
                "data": "a:1:1",
                "message": {"message_id": 3, "date": 1, "text": "Câu hỏi"},
            },
        }
        response = client.post(WEBHOOK_PATH, json=tap, headers=webhook_headers())
        assert response.status_code == 400
        assert row_counts(engine) == before

    def test_oversized_body_is_a_413_and_nothing_is_stored(
        self,
        client: TestClient,
        office: Office,
        user: TelegramUser,
        engine: Engine,
    ) -> None:
        update = start_update(office, user)
        update["padding"] = "x" * (64 * 1024)
        before = row_counts(engine)
        response = client.post(
            WEBHOOK_PATH, content=json.dumps(update).encode(), headers=webhook_headers()
        )
        assert response.status_code == 413
        assert row_counts(engine) == before

    def test_oversized_body_without_a_declared_length_is_a_413(
        self, client: TestClient, office: Office, user: TelegramUser, engine: Engine
    ) -> None:
        body = json.dumps({**start_update(office, user), "padding": "x" * (80 * 1024)}).encode()

        def chunks() -> object:
            for start in range(0, len(body), 4096):
                yield body[start : start + 4096]

        before = row_counts(engine)
        response = client.post(WEBHOOK_PATH, content=chunks(), headers=webhook_headers())
        assert response.status_code == 413
        assert row_counts(engine) == before


class TestRepeatedDelivery:
    def test_the_same_update_twice_changes_nothing_the_second_time(
        self, client: TestClient, office: Office, user: TelegramUser, engine: Engine
    ) -> None:
        update = start_update(office, user)
        first = client.post(WEBHOOK_PATH, json=update, headers=webhook_headers())
        after_first = row_counts(engine)
        second = client.post(WEBHOOK_PATH, json=update, headers=webhook_headers())
        assert first.json()["method"] == "sendMessage"
        assert second.status_code == 200
        assert row_counts(engine) == after_first
        assert after_first["response"] == 1 and after_first["inbound_event"] == 1

    def test_a_repeated_delivery_is_answered_with_the_current_question_again(
        self, client: TestClient, office: Office, user: TelegramUser, engine: Engine
    ) -> None:
        # The first answer's HTTP response was lost: Telegram delivers the update again, and
        # the citizen must still see the question, not an empty reply.
        update = start_update(office, user)
        first = client.post(WEBHOOK_PATH, json=update, headers=webhook_headers()).json()
        after_first = row_counts(engine)
        again = [
            client.post(WEBHOOK_PATH, json=update, headers=webhook_headers()).json()
            for _ in range(2)
        ]

        question = first["text"].split("\n\n", 1)[1]  # after the welcome
        for body in again:
            assert body["method"] == "sendMessage" and body["chat_id"] == user.id
            assert body["text"] == question
            assert body["reply_markup"] == first["reply_markup"]
        assert again[0] == again[1]
        assert row_counts(engine) == after_first


class TestReplyInTheResponse:
    def test_a_typed_message_is_answered_in_the_webhook_body_with_no_call_to_telegram(
        self,
        client: TestClient,
        office: Office,
        user: TelegramUser,
        telegram_api: FakeTelegramAPI,
    ) -> None:
        calls_before = len(telegram_api.calls)
        response = client.post(
            WEBHOOK_PATH, json=start_update(office, user), headers=webhook_headers()
        )
        body = response.json()
        assert body["method"] == "sendMessage"
        assert body["chat_id"] == user.id
        assert "Câu 1/" in body["text"]
        assert body["reply_markup"]["inline_keyboard"]
        assert len(telegram_api.calls) == calls_before

    def test_a_tap_answers_the_button_edits_the_question_and_returns_the_next_one(
        self, chat: Chat, office: Office, telegram_api: FakeTelegramAPI
    ) -> None:
        chat.send(f"/start {start_payload(office.token)}")
        asked = chat.last
        chat.tap("Đã nhận")
        # Made by the app after its commit: the toast and the edit; the next question came back
        # in the webhook's response and was sent by "Telegram".
        assert [c["callback_query_id"] for c in telegram_api.calls_of("answerCallbackQuery")]
        edits = telegram_api.calls_of("editMessageText")
        assert [e["message_id"] for e in edits] == [asked.message_id]
        assert chat.telegram.bodies[-1]["method"] == "sendMessage"
        assert "Câu 2/" in chat.telegram.bodies[-1]["text"]


class TestDatabaseDown:
    def test_an_update_is_refused_with_503_so_telegram_delivers_it_again(
        self,
        settings: Settings,
        telegram_api: FakeTelegramAPI,
        user: TelegramUser,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        # Nothing listens on this port: the database is down.
        down = settings.model_copy(
            update={"database_url": f"postgresql://127.0.0.1:{free_port()}/hailong"}
        )
        update = Updates().message(user, "/start c_" + "A" * 22)
        with TestClient(create_app(telegram_settings_for(down, telegram_api))) as client:
            response = client.post(WEBHOOK_PATH, json=update, headers=webhook_headers())

        assert response.status_code == 503
        assert str(user.id) not in caplog.text

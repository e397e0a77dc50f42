"""Telegram's side of a conversation, for tests: realistic updates in, replies carried out.

`Telegram` plays the platform: it delivers an update to the webhook and, like Telegram, carries
out the Bot API call that comes back in the webhook's response body against the (fake) Bot API.
`Chat` is one citizen's phone: it types, taps buttons by their label, and reads the messages.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.telegram.factory import WEBHOOK_PATH
from survey_flows import (
    MULTI_SEPARATOR,
    OTHER_PROCEDURE,
    YES,
    Question,
    QuestionKind,
    Questionnaire,
)
from survey_flows.layout import scale_row
from tests.fakes.telegram_api import ChatMessage, FakeTelegramAPI

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_SECRET = "test-webhook-secret_0123456789"
TOKEN = "123456789:AAtest-token_for_the_fake_api"
YES_LABEL, NO_LABEL, SKIP_LABEL, DONE_LABEL = "Có", "Không", "Bỏ qua", "Xong"

Post = Callable[[dict[str, Any]], Sequence[httpx.Response]]


@dataclass(frozen=True)
class TelegramUser:
    id: int
    language_code: str | None = "vi"
    first_name: str = "Lan"

    def as_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class Updates:
    """Update JSON in the shape Telegram sends it."""

    next_update_id: Callable[[], int] = field(default_factory=lambda: itertools.count(500).__next__)
    next_message_id: Callable[[], int] = field(
        default_factory=lambda: itertools.count(10_000).__next__
    )

    def message(self, user: TelegramUser, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.next_message_id(),
            "from": user.as_api(),
            "chat": {"id": user.id, "first_name": user.first_name, "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
        return {"update_id": self.next_update_id(), "message": message}

    def sticker(self, user: TelegramUser) -> dict[str, Any]:
        update = self.message(user, "")
        del update["message"]["text"]
        update["message"]["sticker"] = {
            "file_id": "CAACAgIAAxkBAAEB",
            "file_unique_id": "AgADAgAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return update

    def callback(self, user: TelegramUser, message: ChatMessage, data: str) -> dict[str, Any]:
        shown = message.as_api(
            {"id": 7000000001, "is_bot": True, "first_name": "Hài lòng", "username": "bot"}
        )
        return {
            "update_id": self.next_update_id(),
            "callback_query": {
                "id": str(4_000_000_000 + self.next_message_id()),
                "from": user.as_api(),
                "message": shown,
                "chat_instance": f"-{user.id}77",
                "data": data,
            },
        }


def webhook_headers(secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {SECRET_HEADER: secret}


@dataclass
class Telegram:
    api: FakeTelegramAPI
    post: Post
    updates: Updates = field(default_factory=Updates)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    # One client for every call: a new httpx client costs a TLS context, about 0.2 s.
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    def deliver(self, update: dict[str, Any]) -> None:
        for response in self.post(update):
            assert response.status_code == 200, response.text
            body = response.json()
            if body:
                self.bodies.append(body)
                self.carry_out(body)

    def carry_out(self, body: Mapping[str, Any]) -> None:
        """What Telegram does with a method in the webhook's response."""
        params = {k: v for k, v in body.items() if k != "method"}
        url = f"{self.api.base_url}/bot{TOKEN}/{body['method']}"
        done = self.http.post(url, json=params)
        if done.status_code == 400 and "message is not modified" in done.text:
            # A toggle delivered twice draws the same buttons again: Telegram drops the
            # second edit, and so do we. Any other failure is a bug of ours.
            return
        done.raise_for_status()


def in_process_post(client: Any, secret: str = WEBHOOK_SECRET) -> Post:
    """Deliveries to an app under Starlette's TestClient."""

    def post(update: dict[str, Any]) -> list[httpx.Response]:
        return [client.post(WEBHOOK_PATH, json=update, headers=webhook_headers(secret))]

    return post


@dataclass
class Chat:
    telegram: Telegram
    user: TelegramUser

    def send(self, text: str) -> None:
        self.telegram.deliver(self.telegram.updates.message(self.user, text))

    def send_sticker(self) -> None:
        self.telegram.deliver(self.telegram.updates.sticker(self.user))

    def messages(self) -> list[ChatMessage]:
        return self.telegram.api.chat(self.user.id)

    def message(self, message_id: int) -> ChatMessage:
        """A message as the chat shows it now (after any edits)."""
        return next(m for m in self.messages() if m.message_id == message_id)

    @property
    def last(self) -> ChatMessage:
        return self.telegram.api.last_message(self.user.id)

    def with_buttons(self) -> ChatMessage:
        shown = [m for m in self.messages() if m.buttons()]
        assert shown, "no message with buttons in this chat"
        return shown[-1]

    def button(self, label: str, message: ChatMessage | None = None) -> dict[str, Any]:
        message = message or self.with_buttons()
        buttons = message.buttons()
        exact = [b for b in buttons if b["text"] == label]
        close = [b for b in buttons if label in b["text"]]
        found = exact or close
        assert len(found) == 1, f"{label!r} is not one button of {[b['text'] for b in buttons]}"
        return found[0]

    def tap(self, label: str, message: ChatMessage | None = None) -> None:
        message = message or self.with_buttons()
        data = self.button(label, message)["callback_data"]
        self.tap_data(message, data)

    def tap_data(self, message: ChatMessage, data: str) -> None:
        self.telegram.deliver(self.telegram.updates.callback(self.user, message, data))


def option_label(question: Question, code: str, language: str = "vi") -> str:
    return next(o.label.get(language) for o in question.options if o.code == code)


def scale_button(question: Question, code: str) -> str:
    """A criterion's button for a score: its place on the row, 1 (least satisfied) to 5."""
    row = scale_row(question.options)
    return str(next(place for place, o in enumerate(row, start=1) if o.code == code))


def yes_no_label(question: Question, value: str) -> str:
    """The questionnaire's words for yes or no ("Đã nhận"), or the bot's own."""
    if question.option(value) is not None:
        return option_label(question, value)
    return YES_LABEL if value == YES else NO_LABEL


def answer(
    chat: Chat, question: Question, value: str | None, *, procedure_names: Mapping[str, str]
) -> None:
    """Answer the question the chat shows now, the way a citizen would."""
    asked = chat.last
    assert question.text.vi in asked.text, f"expected {question.key}, the chat shows {asked.text!r}"
    if value is None:
        chat.tap(SKIP_LABEL)
    elif question.kind is QuestionKind.yes_no:
        chat.tap(yes_no_label(question, value))
    elif question.kind is QuestionKind.text:
        chat.send(value)
    elif question.kind is QuestionKind.procedure:
        chat.tap(procedure_names.get(value) or option_label(question, OTHER_PROCEDURE))
    elif question.kind is QuestionKind.multi_choice:
        # Every tick on the one message, as a thumb does, whatever arrives meanwhile.
        ticked = chat.with_buttons().message_id
        for code in value.split(MULTI_SEPARATOR):
            chat.tap(option_label(question, code), chat.message(ticked))
        chat.tap(DONE_LABEL, chat.message(ticked))
    elif question.kind is QuestionKind.criterion:
        chat.tap(scale_button(question, value))
    else:
        chat.tap(option_label(question, value))


def answer_all(
    chat: Chat,
    questionnaire: Questionnaire,
    plan: Mapping[str, str | None],
    *,
    procedure_names: Mapping[str, str],
) -> None:
    for key, value in plan.items():
        answer(chat, questionnaire.question(key), value, procedure_names=procedure_names)

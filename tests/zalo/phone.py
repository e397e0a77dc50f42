"""Zalo's side of a conversation, for tests: signed events in, the replies read at the fake.

`Events` writes event JSON in the shape Zalo posts it and signs it as Zalo does. `Phone` is
one citizen's Zalo: it types, taps buttons by their title (a tap sends the button's payload
as a message), and reads what the OA sent, once the worker has sent it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from survey_flows import MULTI_SEPARATOR, OTHER_PROCEDURE, Question, QuestionKind
from tests.fakes.zalo_api import FakeZaloAPI, Received

APP_ID = "3141592653589793238"
OA_ID = "2718281828459045235"
OA_SECRET = "oa-secret-key_for_the_tests"
APP_SECRET = "app-secret-key_for_the_tests"
FIRST_ACCESS = "first-access-token"
FIRST_REFRESH = "first-refresh-token"
WEBHOOK_PATH = "/webhook/zalo"
YES_LABEL, NO_LABEL, DONE_LABEL, MORE_LABEL = "Có", "Không", "Xong", "Xem thêm"

Post = Callable[[bytes, Mapping[str, str]], httpx.Response]


def sign(body: bytes, *, app_id: str = APP_ID, timestamp: str, secret: str = OA_SECRET) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return f"mac={digest.hexdigest()}"


@dataclass
class Events:
    next_id: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)

    def text(
        self, user_id: str, text: str, *, event_name: str = "user_send_text"
    ) -> dict[str, Any]:
        return {
            "app_id": APP_ID,
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "event_name": event_name,
            "message": {"msg_id": f"{self.next_id():032x}", "text": text},
            "timestamp": str(int(time.time() * 1000)),
            "user_id_by_app": "552177279717587730",
        }

    def follow(self, user_id: str) -> dict[str, Any]:
        return {
            "app_id": APP_ID,
            "oa_id": OA_ID,
            "follower": {"id": user_id},
            "event_name": "follow",
            "source": "oa_profile",
            "timestamp": str(int(time.time() * 1000)),
        }

    def received(self, user_id: str) -> dict[str, Any]:
        """A delivery receipt: the OA is the sender."""
        return {
            "app_id": APP_ID,
            "sender": {"id": OA_ID},
            "recipient": {"id": user_id},
            "event_name": "user_received_message",
            "message": {"msg_id": f"{self.next_id():032x}", "msg_ids": []},
            "timestamp": str(int(time.time() * 1000)),
        }

    def sticker(self, user_id: str) -> dict[str, Any]:
        event = self.text(user_id, "", event_name="user_send_sticker")
        del event["message"]["text"]
        event["message"]["attachments"] = [{"type": "sticker", "payload": {"id": "1"}}]
        return event


def signed(event: Mapping[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {
        "X-ZEvent-Signature": sign(body, timestamp=str(event["timestamp"])),
        "Content-Type": "application/json",
    }
    return body, headers


@dataclass
class Phone:
    """One citizen on Zalo; `settle` waits until the worker has sent what is queued."""

    user_id: str
    post: Post
    api: FakeZaloAPI
    settle: Callable[[], None]
    events: Events = field(default_factory=Events)

    def deliver(self, event: Mapping[str, Any]) -> httpx.Response:
        body, headers = signed(event)
        response = self.post(body, headers)
        assert response.status_code == 200, response.text
        self.settle()
        return response

    def send(self, text: str) -> dict[str, Any]:
        event = self.events.text(self.user_id, text)
        self.deliver(event)
        return event

    def messages(self) -> list[Received]:
        return self.api.chat(self.user_id)

    @property
    def last(self) -> Received:
        return self.messages()[-1]

    def tap(self, title: str, message: Received | None = None) -> None:
        self.send((message or self.last).payload(title))


def option_label(question: Question, code: str) -> str:
    return next(o.label.vi for o in question.options if o.code == code)


def answer(
    phone: Phone, question: Question, value: str | None, *, procedure_names: Mapping[str, str]
) -> None:
    """Answer the question the phone shows now, the way a citizen would on Zalo."""
    asked = phone.last
    assert question.text.vi in asked.text, f"expected {question.key}, Zalo shows {asked.text!r}"
    assert len(asked.buttons) <= 5
    if value is None:
        if "Bỏ qua" in asked.titles():
            phone.tap("Bỏ qua")
        else:
            assert "0" in asked.text  # the hint: type 0 to skip
            phone.send("0")
    elif question.kind is QuestionKind.yes_no:
        phone.tap(option_label(question, value) if question.option(value) else YES_LABEL)
    elif question.kind is QuestionKind.text:
        phone.send(value)
    elif question.kind is QuestionKind.procedure:
        wanted = procedure_names.get(value) or option_label(question, OTHER_PROCEDURE)
        tap_paging(phone, wanted)
    elif question.kind is QuestionKind.multi_choice:
        for code in value.split(MULTI_SEPARATOR):
            tap_paging(phone, option_label(question, code))
        phone.tap(DONE_LABEL)
    else:
        tap_paging(phone, option_label(question, value))


def tap_paging(phone: Phone, title: str) -> None:
    """Tap `title`, turning pages with "Xem thêm" until it shows."""
    for _ in range(10):
        if any(title in shown for shown in phone.last.titles()):
            phone.tap(title)
            return
        phone.tap(MORE_LABEL)
    raise AssertionError(f"{title!r} never showed")

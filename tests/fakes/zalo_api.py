"""A fake Zalo OpenAPI: a real HTTP server on 127.0.0.1, in a thread of the test process.

It answers a consultation message (POST /v3.0/oa/message/cs) and a token renewal (POST
/v4/oa/access_token) the way Zalo does: an `error` code in a 200 answer, -216 for an access
token it does not know, a single-use refresh token. It checks the headers and the shape of
each message as Zalo would (at most five buttons, titles of at most 100 characters...) and
answers a wrong one with -201. Tests script failures (`fail_next`) and read what each user
received (`received`).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.serving import ServedInThread

INVALID_TOKEN = -216
INVALID_PARAMETERS = -201
INVALID_REFRESH_TOKEN = -14014
HTTP_500 = "http-500"


@dataclass(frozen=True)
class Received:
    user_id: str
    text: str
    buttons: list[dict[str, Any]]

    def titles(self) -> list[str]:
        return [b["title"] for b in self.buttons]

    def payload(self, title: str) -> str:
        found = [b for b in self.buttons if b["title"] == title] or [
            b for b in self.buttons if title in b["title"]
        ]
        assert len(found) == 1, f"{title!r} is not one button of {self.titles()}"
        return str(found[0]["payload"])


@dataclass
class FakeZaloAPI:
    app_id: str
    app_secret: str
    access_token: str
    refresh_token: str
    received: list[Received] = field(default_factory=list)
    # Sends answered with HTTP 500 or an error code before any is accepted, in order.
    planned: list[str | int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sends: int = 0
    renewals: int = 0
    # Set: the next send hangs, unanswered and not delivered, until release() (a worker
    # killed while it waits for Zalo).
    hang_next: bool = False

    def __post_init__(self) -> None:
        self.hanging = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ServedInThread("the fake Zalo API")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def start(self) -> FakeZaloAPI:
        self._server.start(self._app)
        return self

    def stop(self) -> None:
        self._server.stop()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._renew)
        return app

    # What tests do and read.

    def fail_next(self, *answers: str | int) -> None:
        with self._lock:
            self.planned.extend(answers)

    def chat(self, user_id: str) -> list[Received]:
        with self._lock:
            return [m for m in self.received if m.user_id == user_id]

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def wait_for(self, predicate: Callable[[], bool], seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("the fake Zalo API did not see it in time")
            time.sleep(0.02)

    # The API.

    def release(self) -> None:
        self._released.set()

    async def _send(self, request: web.Request) -> web.Response:
        with self._lock:
            self.sends += 1
            planned = self.planned.pop(0) if self.planned else None
            hang, self.hang_next = self.hang_next, False
        if hang:
            self.hanging.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
            return web.Response(status=504, text="Gateway Timeout")
        if planned == HTTP_500:
            return web.Response(status=500, text="Internal Server Error")
        if isinstance(planned, int):
            return _error(planned, "planned by the test")
        if request.headers.get("access_token") != self.access_token:
            return _error(INVALID_TOKEN, "Access token is invalid")
        if not request.content_type.startswith("application/json"):
            return self._refuse("not JSON")
        try:
            body = await request.json()
        except ValueError:
            return self._refuse("malformed JSON")
        problem = _shape_problem(body)
        if problem:
            return self._refuse(problem)
        message = body["message"]
        attachment = message.get("attachment")
        buttons = attachment["payload"]["buttons"] if attachment else []
        with self._lock:
            self.received.append(Received(body["recipient"]["user_id"], message["text"], buttons))
            message_id = f"{next(self._ids):032x}"
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": message_id}}
        )

    def _refuse(self, problem: str) -> web.Response:
        with self._lock:
            self.problems.append(problem)
        return _error(INVALID_PARAMETERS, "Parameters are invalid")

    async def _renew(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != self.app_secret:
            return _error(-14002, "Invalid secret key")
        if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            return _error(-14001, "Invalid parameters")
        with self._lock:
            if form.get("refresh_token") != self.refresh_token:
                return _error(INVALID_REFRESH_TOKEN, "Invalid refresh token")
            self.renewals += 1
            # Single use: the old pair is dead from now on.
            self.access_token = f"access-{self.renewals}-{time.monotonic_ns()}"
            self.refresh_token = f"refresh-{self.renewals}-{time.monotonic_ns()}"
            answer = {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        return web.json_response(answer)


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message})


def _shape_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "body is not an object"
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("user_id"), str):
        return "recipient.user_id is not a string"
    message = body.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return "message.text is not a string"
    if not message["text"] or len(message["text"]) > 2000:
        return "message.text is empty or too long"
    attachment = message.get("attachment")
    if attachment is None:
        return None
    if attachment.get("type") != "template":
        return "attachment is not a template"
    buttons = (attachment.get("payload") or {}).get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
        return "a template needs one to five buttons"
    for button in buttons:
        if button.get("type") not in ("oa.query.hide", "oa.query.show"):
            return "a button's type is not oa.query.*"
        title = button.get("title")
        if not isinstance(title, str) or not title or len(title) > 100:
            return "a button's title is empty or longer than 100 characters"
        if not isinstance(button.get("payload"), str) or not button["payload"]:
            return "a button's payload is not a string"
    return None

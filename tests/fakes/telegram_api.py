"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1, in a thread of the test process.

It answers the methods the bot uses the way the real API does (same envelopes, same errors for a
wrong token, an unknown method, a message that does not exist or is not modified), keeps the
messages of each chat so tests can read and tap their buttons, and records every call.
getUpdates long-polls a queue the test fills, for `hailong telegram poll`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.serving import ServedInThread

BOT_ID = 7000000001
# Parameters that arrive as JSON text in a form body (aiogram sends forms).
JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "link_preview_options"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class ChatMessage:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    edits: int = 0

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def as_api(self, bot: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": self.message_id,
            "from": bot,
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Citizen"},
            "date": int(time.time()),
            "text": self.text,
        }
        if self.edits:
            result["edit_date"] = int(time.time())
        if self.reply_markup:
            result["reply_markup"] = self.reply_markup
        return result


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class FakeTelegramAPI:
    token: str
    username: str = "hailong_test_bot"
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], ChatMessage] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    # Methods to refuse with a 400, as Telegram does for a message it can no longer edit.
    refuse: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._new_update: asyncio.Event | None = None
        self._server = ServedInThread("the fake Telegram API")

    # Life cycle.

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTelegramAPI:
        self._server.start(self._app)
        return self

    def _app(self) -> web.Application:
        self._new_update = asyncio.Event()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        return app

    def stop(self) -> None:
        self._server.stop()

    # What tests read.

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [call.params for call in self.calls if call.method == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [call.method for call in self.calls]

    def chat(self, chat_id: int) -> list[ChatMessage]:
        with self._lock:
            found = [m for (chat, _), m in self.messages.items() if chat == chat_id]
        return sorted(found, key=lambda m: m.message_id)

    def last_message(self, chat_id: int) -> ChatMessage:
        return self.chat(chat_id)[-1]

    def wait_for(self, predicate: Callable[[FakeTelegramAPI], bool], seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the fake Telegram API did not see it; calls: {self.methods()}"
                )
            time.sleep(0.05)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for getUpdates (long polling)."""
        with self._lock:
            self._updates.append(update)
        event = self._new_update
        assert event is not None
        self._server.call_soon(event.set)

    # The API.

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        with self._lock:
            self.calls.append(Call(method, params))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        if method in self.refuse:
            return _error(400, "Bad Request: message can't be edited")
        try:
            result = await handler(params)
        except ApiError as error:
            return _error(error.status, error.description)
        except (KeyError, ValueError, TypeError) as error:
            return _error(400, f"Bad Request: {error}")
        return web.json_response({"ok": True, "result": result})

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Hài lòng", "username": self.username}

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": False, "supports_inline_queries": False}

    def record_sent(self, params: dict[str, Any]) -> ChatMessage:
        """A sendMessage carried out without HTTP (a benchmark plays Telegram with it)."""
        text = params["text"]
        if not text or len(text) > 4096:
            raise ApiError(400, "Bad Request: message text is empty or too long")
        _check_markup(params.get("reply_markup"))
        with self._lock:
            message = ChatMessage(
                chat_id=int(params["chat_id"]),
                message_id=next(self._ids),
                text=text,
                reply_markup=params.get("reply_markup"),
            )
            self.messages[(message.chat_id, message.message_id)] = message
        return message

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.record_sent(params).as_api(self._bot_user())

    def _message(self, params: dict[str, Any]) -> ChatMessage:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        _check_markup(markup)
        with self._lock:
            message = self._message(params)
            if message.text == params["text"] and message.reply_markup == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            message.text, message.reply_markup = params["text"], markup
            message.edits += 1
        return message.as_api(self._bot_user())

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        _check_markup(markup)
        with self._lock:
            message = self._message(params)
            if message.reply_markup == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            message.reply_markup = markup
            message.edits += 1
        return message.as_api(self._bot_user())

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: text is too long")
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(int(params.get("timeout") or 0), 5)
        assert self._new_update is not None
        while True:
            with self._lock:
                # An offset confirms every update before it, as on the real API.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
                self._new_update.clear()
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return pending
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)


def _check_markup(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post() if request.can_read_body else {}
    params: dict[str, Any] = {**request.query}
    for key, value in form.items():
        params[key] = value if isinstance(value, str) else str(value)
    for key, value in list(params.items()):
        if key in JSON_FIELDS and isinstance(value, str):
            params[key] = json.loads(value)
        elif key in INT_FIELDS and isinstance(value, str) and value.lstrip("-").isdigit():
            params[key] = int(value)
    return params

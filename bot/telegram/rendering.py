"""Chat screens as Telegram messages: buttons as an inline keyboard, payloads as callback data.

Plain text (no parse mode), so nothing a questionnaire author writes can break the markup.
Each screen becomes a BotCall (bot.telegram.calls): the Bot API's own JSON, built directly.
"""

from __future__ import annotations

from typing import Any

from bot.chat.screens import Button, Buttons, Screen
from bot.telegram.calls import BotCall

# Telegram shows about this much of a button on a phone; the rest would be cut anyway.
BUTTON_CHARS = 60
# Telegram cuts a callback's alert at this many characters.
ALERT_CHARS = 200


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _button(button: Button) -> dict[str, str]:
    # Every payload packs into at most 64 bytes, Telegram's limit for callback data.
    return {"text": shorten(button.label, BUTTON_CHARS), "callback_data": button.payload.pack()}


def keyboard(buttons: Buttons) -> dict[str, Any] | None:
    """An InlineKeyboardMarkup; None for no buttons."""
    if not buttons:
        return None
    return {"inline_keyboard": [[_button(b) for b in row] for row in buttons]}


def _with_keyboard(params: dict[str, Any], buttons: Buttons) -> dict[str, Any]:
    markup = keyboard(buttons)
    if markup is not None:
        params["reply_markup"] = markup
    return params


def send(chat_id: int, screen: Screen) -> BotCall:
    params = _with_keyboard({"chat_id": chat_id, "text": screen.text}, screen.buttons)
    return BotCall("sendMessage", params)


def edit_text(chat_id: int, message_id: int, screen: Screen) -> BotCall:
    params = {"chat_id": chat_id, "message_id": message_id, "text": screen.text}
    return BotCall("editMessageText", _with_keyboard(params, screen.buttons))


def edit_buttons(chat_id: int, message_id: int, buttons: Buttons) -> BotCall:
    params = {"chat_id": chat_id, "message_id": message_id}
    return BotCall("editMessageReplyMarkup", _with_keyboard(params, buttons))


def answer_tap(query_id: str, notice: str | None, *, alert: bool) -> BotCall:
    """answerCallbackQuery: stops the button's spinner, with the note if there is one."""
    params: dict[str, Any] = {"callback_query_id": query_id, "show_alert": alert}
    if notice is not None:
        params["text"] = notice
    return BotCall("answerCallbackQuery", params)

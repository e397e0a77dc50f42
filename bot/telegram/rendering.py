"""Chat screens as Telegram messages: buttons as an inline keyboard, payloads as callback data.

Plain text (no parse mode), so nothing a questionnaire author writes can break the markup.
"""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.screens import Button, Buttons, Screen

# Telegram shows about this much of a button on a phone; the rest would be cut anyway.
BUTTON_CHARS = 60
# Telegram cuts a callback's alert at this many characters.
ALERT_CHARS = 200


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _button(button: Button) -> InlineKeyboardButton:
    # Every payload packs into at most 64 bytes, Telegram's limit for callback data.
    return InlineKeyboardButton(
        text=shorten(button.label, BUTTON_CHARS), callback_data=button.payload.pack()
    )


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in buttons])


def send(chat_id: int, screen: Screen) -> SendMessage:
    return SendMessage(chat_id=chat_id, text=screen.text, reply_markup=keyboard(screen.buttons))


def edit_text(chat_id: int, message_id: int, screen: Screen) -> EditMessageText:
    return EditMessageText(
        chat_id=chat_id,
        message_id=message_id,
        text=screen.text,
        reply_markup=keyboard(screen.buttons),
    )


def edit_buttons(chat_id: int, message_id: int, buttons: Buttons) -> EditMessageReplyMarkup:
    return EditMessageReplyMarkup(
        chat_id=chat_id, message_id=message_id, reply_markup=keyboard(buttons)
    )

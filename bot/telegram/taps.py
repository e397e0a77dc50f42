"""Button taps, most of what the webhook receives, handed straight to their handler.

For a tap, aiogram's Dispatcher runs its error and user-context middlewares and offers the
update to each router's callback-query observers in turn, and only answers.on_button takes
taps, with no filter. The webhook hands a tap to that handler directly, through the same
UpdateContextMiddleware with the user and chat that aiogram's user-context middleware finds
for a callback query: the same work for a fraction of the dispatcher's cost. Every other
update goes through the dispatcher (and polling sends taps there too).
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import TelegramObject, Update

from bot.telegram.context import UpdateContextMiddleware
from bot.telegram.handlers import answers


async def feed_tap(
    middleware: UpdateContextMiddleware, bot: Bot, update: Update, **kwargs: Any
) -> Any:
    """What Dispatcher.feed_update returns for an update with a callback query."""
    query = update.callback_query
    if query is None:
        raise ValueError("not a tap")
    message = query.message
    data: dict[str, Any] = {
        **kwargs,
        "bot": bot,
        "event_from_user": query.from_user,
        "event_chat": None if message is None else message.chat,
    }
    return await middleware(_on_tap, update, data)


async def _on_tap(event: TelegramObject, data: dict[str, Any]) -> Any:
    if not isinstance(event, Update) or event.callback_query is None:
        raise ValueError("not a tap")
    return await answers.on_button(event.callback_query, data["update_context"])

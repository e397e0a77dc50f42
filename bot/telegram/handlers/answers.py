"""Button taps: an answer, a toggle of a multiple choice, another page of procedures, or a
button of some older layout."""

from __future__ import annotations

from functools import partial

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.chat import conversation, payloads
from bot.telegram.calls import BotCall
from bot.telegram.context import Tapped, UpdateContext


async def on_button(query: CallbackQuery, update_context: UpdateContext) -> BotCall | None:
    message = query.message
    tapped = None if message is None else Tapped(message.chat.id, message.message_id)
    return await take_button(update_context, query.id, query.data or "", tapped)


async def take_button(
    update_context: UpdateContext, query_id: str, data: str, tapped: Tapped | None
) -> BotCall | None:
    """A tap's answer, however the tap came in (the dispatcher, or the webhook's own path)."""
    work = partial(conversation.take_button, payload=payloads.parse(data))
    return update_context.to_tap(query_id, tapped, await update_context.transact(work, tapped=True))


def setup() -> Router:
    router = Router(name="answers")
    router.callback_query.register(on_button)
    return router

"""Button taps: an answer, a toggle of a multiple choice, another page of procedures, or a
button of some older layout."""

from __future__ import annotations

from functools import partial

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.chat import conversation, payloads
from bot.telegram.calls import BotCall
from bot.telegram.context import UpdateContext


async def on_button(query: CallbackQuery, update_context: UpdateContext) -> BotCall | None:
    payload = payloads.parse(query.data or "")
    work = partial(conversation.take_button, payload=payload)
    return update_context.to_tap(query, await update_context.transact(work, tapped=True))


def setup() -> Router:
    router = Router(name="answers")
    router.callback_query.register(on_button)
    return router

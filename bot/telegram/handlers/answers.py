"""Button taps: an answer, a toggle of a multiple choice, another page of procedures."""

from __future__ import annotations

from functools import partial

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.telegram import conversation
from bot.telegram.callbacks import Page, Pick, Tap
from bot.telegram.context import Method, UpdateContext


async def on_tap(
    query: CallbackQuery, callback_data: Tap, update_context: UpdateContext
) -> Method | None:
    work = partial(conversation.take_tap, tap=callback_data)
    return update_context.to_tap(query, await update_context.transact(work, tapped=True))


async def on_pick(
    query: CallbackQuery, callback_data: Pick, update_context: UpdateContext
) -> Method | None:
    work = partial(conversation.take_pick, pick=callback_data)
    return update_context.to_tap(query, await update_context.transact(work, tapped=True))


async def on_page(
    query: CallbackQuery, callback_data: Page, update_context: UpdateContext
) -> Method | None:
    work = partial(conversation.turn_page, page=callback_data)
    return update_context.to_tap(query, await update_context.transact(work, tapped=True))


async def on_unknown_button(query: CallbackQuery, update_context: UpdateContext) -> Method | None:
    reply = await update_context.transact(conversation.unknown_button, tapped=True)
    return update_context.to_tap(query, reply)


def setup() -> Router:
    router = Router(name="answers")
    router.callback_query.register(on_tap, Tap.filter())
    router.callback_query.register(on_pick, Pick.filter())
    router.callback_query.register(on_page, Page.filter())
    router.callback_query.register(on_unknown_button)
    return router

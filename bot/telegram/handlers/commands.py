"""/start (with or without the counter's payload), /huy and /ngonngu."""

from __future__ import annotations

from functools import partial

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.chat import conversation
from bot.telegram.calls import BotCall
from bot.telegram.context import UpdateContext


async def on_start_link(
    message: Message, command: CommandObject, update_context: UpdateContext
) -> BotCall | None:
    work = partial(conversation.start_with_payload, payload=command.args or "")
    return update_context.to_message(message, await update_context.transact(work))


async def on_start(message: Message, update_context: UpdateContext) -> BotCall | None:
    reply = await update_context.transact(conversation.start_plain)
    return update_context.to_message(message, reply)


async def on_cancel(message: Message, update_context: UpdateContext) -> BotCall | None:
    reply = await update_context.transact(conversation.cancel)
    return update_context.to_message(message, reply)


async def on_language(
    message: Message, command: CommandObject, update_context: UpdateContext
) -> BotCall | None:
    wanted = (command.args or "").strip().lower() or None
    work = partial(conversation.switch_language, wanted=wanted)
    return update_context.to_message(message, await update_context.transact(work))


def setup() -> Router:
    router = Router(name="commands")
    router.message.register(on_start_link, CommandStart(deep_link=True))
    router.message.register(on_start, CommandStart())
    router.message.register(on_cancel, Command("huy", "cancel"))
    router.message.register(on_language, Command("ngonngu", "language"))
    return router

"""Typed messages: a free-text answer, a counter's short code, anything else."""

from __future__ import annotations

from functools import partial

from aiogram import F, Router
from aiogram.types import Message

from bot.chat import conversation
from bot.telegram.calls import BotCall
from bot.telegram.context import UpdateContext


async def on_unknown_command(message: Message, update_context: UpdateContext) -> BotCall | None:
    # Never stored as a comment: a stray command resumes the survey or asks for the code.
    reply = await update_context.transact(conversation.start_plain)
    return update_context.to_message(message, reply)


async def on_text(message: Message, update_context: UpdateContext) -> BotCall | None:
    work = partial(conversation.take_text, text=message.text or "")
    return update_context.to_message(message, await update_context.transact(work))


async def on_other(message: Message, update_context: UpdateContext) -> BotCall | None:
    reply = await update_context.transact(conversation.other_message)
    return update_context.to_message(message, reply)


def setup() -> Router:
    router = Router(name="messages")
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.message.register(on_text, F.text)
    router.message.register(on_other)
    return router

"""One update, one transaction, then the replies.

A middleware gives every handler an UpdateContext. Its `transact` runs the conversation in a
worker thread (the storage layer is synchronous) inside one transaction that also records the
update_id (bot.chat.delivery): a repeated delivery changes nothing and is answered with the
current question again. The transaction commits before any call to Telegram is made. The main
call (the next question) goes back in the webhook's HTTP response; the others (the tap's toast,
the edit of the tapped message) are made by the webhook once that response is sent. When
polling, the others are made and then the main one. Calls are plain BotCalls
(bot.telegram.calls), made without aiogram's method models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.types import Chat, Message, TelegramObject, Update, User
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.conversation import Citizen, Reply, Turn
from bot.chat.delivery import DeliveryFailed, Work, deliver
from bot.chat.guessing import CodeGuesses
from bot.telegram import rendering
from bot.telegram.calls import BotCall, call_all
from hailong.i18n import Catalogs, pick_language
from hailong.models import Channel
from hailong.ratelimit import RateLimiter
from hailong.responses.privacy import respondent_ref

CHANNEL = Channel.telegram.value

Method = BotCall
# Handed in by the webhook: a list the calls go into instead of being made at once.
DEFERRED_CALLS = "telegram_deferred_calls"


class UpdateFailed(Exception):
    """Storage failed while handling an update; the webhook answers 503 and Telegram retries."""


@dataclass(frozen=True)
class Sender:
    """Who an update comes from and where, as far as its context reads it."""

    update_id: int
    user_id: int
    is_bot: bool
    language_code: str | None
    chat_type: str | None  # None: the update names no chat


@dataclass(frozen=True)
class Tapped:
    """The message whose button was tapped: where the tap's edit and next question go."""

    chat_id: int
    message_id: int


@dataclass
class UpdateContext:
    sessions: sessionmaker[Session]
    update_id: int
    turn: Turn
    # Calls to make after the commit, before the last one goes back in the HTTP response.
    later: list[Method] = field(default_factory=list)

    async def transact(self, work: Work, *, tapped: bool = False) -> Reply:
        """Run `work` in the update's transaction (or, for an update handled before, show the
        current question again)."""
        try:
            delivered = await asyncio.to_thread(
                deliver,
                self.sessions,
                self.turn,
                work,
                event_id=str(self.update_id),
                tapped=tapped,
                notice_limit=rendering.ALERT_CHARS,
            )
        except DeliveryFailed as error:
            raise UpdateFailed(str(error)) from None
        return delivered.reply

    def to_message(self, message: Message, reply: Reply) -> Method | None:
        if reply.message is None:
            return None
        return self._respond([rendering.send(message.chat.id, reply.message)])

    def to_tap(self, query_id: str, tapped: Tapped | None, reply: Reply) -> Method | None:
        # Always answered: the button's spinner runs until it is.
        methods = [rendering.answer_tap(query_id, reply.notice, alert=reply.alert)]
        if tapped is not None:
            chat_id, message_id = tapped.chat_id, tapped.message_id
            if reply.edit is not None:
                methods.append(rendering.edit_text(chat_id, message_id, reply.edit))
            elif reply.buttons is not None:
                methods.append(rendering.edit_buttons(chat_id, message_id, reply.buttons))
            if reply.message is not None:
                methods.append(rendering.send(chat_id, reply.message))
        return self._respond(methods)

    def _respond(self, methods: list[Method]) -> Method:
        self.later.extend(methods[:-1])
        return methods[-1]

    async def send_later(self, bot: Bot) -> None:
        methods, self.later = self.later, []
        await call_all(bot, methods)


class UpdateContextMiddleware(BaseMiddleware):
    """Builds the UpdateContext of each update from a private chat; ignores every other chat."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        catalogs: Catalogs,
        secret: str,
        limiter: RateLimiter | None = None,
    ):
        self.sessions = sessions
        self.catalogs = catalogs
        self.secret = secret
        self.limiter = limiter

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if not isinstance(event, Update) or user is None:
            return None
        sender = Sender(
            update_id=event.update_id,
            user_id=user.id,
            is_bot=user.is_bot,
            language_code=user.language_code,
            chat_type=None if chat is None else chat.type,
        )
        context = self.context_for(sender)
        if context is None:
            return None
        data["update_context"] = context
        return await self.hand_over(context, await handler(event, data), data)

    def context_for(self, sender: Sender) -> UpdateContext | None:
        """The update's context; None for a bot's update or one from a chat that is not
        private (surveys are private: a group or channel gets nothing, and nothing is
        stored)."""
        if sender.is_bot or sender.chat_type != ChatType.PRIVATE:
            return None
        citizen = Citizen(
            channel=CHANNEL,
            ref=respondent_ref(self.secret, CHANNEL, sender.user_id),
            language=pick_language(sender.language_code),
        )
        turn = Turn(
            citizen=citizen,
            catalogs=self.catalogs,
            secret=self.secret,
            limiter=self.limiter,
            # Short codes typed into the chat count against the chat user (bot.chat.guessing).
            guesses=None
            if self.limiter is None
            else CodeGuesses.of(self.limiter, channel=CHANNEL, ref=citizen.ref),
        )
        return UpdateContext(sessions=self.sessions, update_id=sender.update_id, turn=turn)

    async def hand_over(self, context: UpdateContext, result: Any, data: dict[str, Any]) -> Any:
        """What the handler's result becomes once it has been handled."""
        deferred: list[Method] | None = data.get(DEFERRED_CALLS)
        if deferred is not None:
            # The webhook makes them after its response is sent: the next question does not
            # wait for the toast and the edit.
            deferred.extend(context.later)
            context.later.clear()
        else:
            # Polling: the others first, then the main one (aiogram would make only an
            # aiogram method, and this is a BotCall).
            await context.send_later(data["bot"])
            if isinstance(result, BotCall):
                await call_all(data["bot"], [result])
                return None
        return result

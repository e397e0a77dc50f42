"""The bot's parts, built by whoever runs it (the web app, `hailong telegram poll`)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import DeleteWebhook, GetMe, GetUpdates, SetWebhook, TelegramMethod
from aiogram.methods.base import Response
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram.context import UpdateContextMiddleware
from bot.telegram.handlers import answers, commands, messages
from hailong.i18n import Catalogs
from hailong.ratelimit import RateLimiter, make_rate_limiter
from hailong.settings import Settings

# Where Telegram delivers updates (webhook/telegram.py serves it; set-webhook registers it).
WEBHOOK_PATH = "/webhook/telegram"
ALLOWED_UPDATES = ["message", "callback_query"]


def telegram_token(settings: Settings) -> str:
    if settings.telegram_token is None:
        raise RuntimeError("HAILONG_TELEGRAM_TOKEN is not set")
    return settings.telegram_token.get_secret_value()


def webhook_secret(settings: Settings) -> str:
    """The X-Telegram-Bot-Api-Secret-Token value; derived from the secret key when not set."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    # Every app process derives the same one, and set-webhook registers it.
    key = settings.secret().encode()
    return hmac.new(key, b"telegram-webhook-secret", hashlib.sha256).hexdigest()


# The Bot API methods this service calls through aiogram's Bot; the replies to citizens go
# as BotCalls (bot.telegram.calls), without aiogram's method models.
CALLED_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    GetMe,
    SetWebhook,
    DeleteWebhook,
    GetUpdates,
)


class BotSession(AiohttpSession):
    """aiogram's HTTP session, holding the response models of the methods we call.

    aiogram reads every answer with `Response[<what the method returns>]`; pydantic keeps such
    a parametrised model only while something refers to it, so without a holder each call may
    build it again (a fraction of a millisecond every time)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.response_models = tuple(
            Response[method.__returning__]  # type: ignore[name-defined]
            for method in CALLED_METHODS
        )


def create_bot(settings: Settings) -> Bot:
    """aiogram's Bot against settings.telegram_api_base (Telegram's, or a fake of ours)."""
    session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(token=telegram_token(settings), session=session)


def update_context_middleware(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    catalogs: Catalogs | None = None,
    limiter: RateLimiter | None = None,
) -> UpdateContextMiddleware:
    return UpdateContextMiddleware(
        sessions=sessions,
        catalogs=catalogs or Catalogs("bot"),
        secret=settings.secret(),
        # The survey session limits starts per chat user and counter with it.
        # The app's own limiter when there is an app; a poller makes its own.
        limiter=limiter
        or make_rate_limiter(settings.redis_url, settings.redis_prefix, secret=settings.secret()),
    )


def create_dispatcher(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    catalogs: Catalogs | None = None,
    limiter: RateLimiter | None = None,
    middleware: UpdateContextMiddleware | None = None,
) -> Dispatcher:
    """`middleware`: the one the webhook also hands taps to (bot.telegram.taps)."""
    # No FSM: the conversation's state is the answers in the database, nothing else.
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.update.outer_middleware(
        middleware
        or update_context_middleware(
            settings, sessions=sessions, catalogs=catalogs, limiter=limiter
        )
    )
    # Commands first, so "/huy" is never taken for a typed answer.
    dispatcher.include_routers(commands.setup(), answers.setup(), messages.setup())
    return dispatcher

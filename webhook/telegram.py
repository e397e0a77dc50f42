"""POST /webhook/telegram: authenticate, bound, parse, hand to bot/, answer in the response.

Telegram retries a delivery until it gets a 2xx, so: a wrong secret, an oversized or malformed
body get a 4xx (retrying would not help, and nothing is stored). A 200 goes out only once the
update's transaction has committed: a storage failure, any other failure, or the webhook's own
deadline passing first (a hung database) get a 5xx, so the update comes again. A repeated
delivery is 200 too, with the current question again (bot/chat recognises it by its
update_id, changes nothing, and shows the citizen where they are).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.background import BackgroundTask

from bot.telegram.calls import BotCall, call_all
from bot.telegram.context import DEFERRED_CALLS, UpdateFailed
from bot.telegram.factory import (
    WEBHOOK_PATH,
    create_bot,
    create_dispatcher,
    update_context_middleware,
    webhook_secret,
)
from bot.telegram.taps import ButtonTap, feed_tap, read_tap
from hailong.errors import HailongError
from webhook.limits import BodyTooLarge, bounded_body

if TYPE_CHECKING:
    from hailong.context import AppContext

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STARTUP_TIMEOUT_SECONDS = 10
# Pauses between getMe attempts after a failed one at startup; the last one repeats.
USERNAME_RETRY_SECONDS = (2, 10, 60, 300)

logger = logging.getLogger(__name__)


def authentic(sent: str | None, expected: str) -> bool:
    # Constant time, so the secret cannot be guessed a character at a time.
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def parse_update(body: bytes, bot: Bot) -> Update | ButtonTap:
    """The update: a tap as what its handler reads (bot.telegram.taps), any other as
    aiogram's model. ValueError when it is none."""
    tap = read_tap(body)
    if tap is not None:
        return tap
    return Update.model_validate_json(body, context={"bot": bot})


def _refusal(status_code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "description": description}, status_code=status_code)


async def _bot_username(bot: Bot) -> str | None:
    try:
        me = await bot.get_me(request_timeout=STARTUP_TIMEOUT_SECONDS)
    except TelegramAPIError as error:
        # The survey still works; only the landing page's Telegram link waits (see below).
        logger.warning("telegram getMe failed (%s)", type(error).__name__)
        return None
    return me.username


async def _keep_asking_username(app: FastAPI, bot: Bot) -> None:
    """Ask getMe again, less and less often, until Telegram answers: a Bot API outage while
    the app starts must not hide the landing page's Telegram link until the next restart."""
    for delay in itertools.chain(
        USERNAME_RETRY_SECONDS, itertools.repeat(USERNAME_RETRY_SECONDS[-1])
    ):
        await asyncio.sleep(delay)
        username = await _bot_username(bot)
        if username is not None:
            app.state.telegram_username = username
            logger.info("telegram getMe answered; the landing page links to the bot")
            return


def telegram_router(context: AppContext) -> APIRouter:
    settings = context.settings
    bot = create_bot(settings)
    middleware = update_context_middleware(
        settings, sessions=context.sessions, limiter=context.limiter
    )
    dispatcher = create_dispatcher(settings, sessions=context.sessions, middleware=middleware)
    secret = webhook_secret(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        asking: asyncio.Task[None] | None = None
        if getattr(app.state, "telegram_username", None) is None:
            app.state.telegram_username = await _bot_username(bot)
            if app.state.telegram_username is None:
                asking = asyncio.create_task(_keep_asking_username(app, bot))
        yield
        if asking is not None:
            asking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asking
        await bot.session.close()

    router = APIRouter(lifespan=lifespan)

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def receive_update(request: Request) -> Response:
        if not authentic(request.headers.get(SECRET_HEADER), secret):
            return _refusal(401, "Unauthorized")
        try:
            body = await bounded_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            return _refusal(413, "Request Entity Too Large")
        except HailongError as error:  # an app-wide body limit got there first
            return _refusal(error.status_code, "Bad Request")
        try:
            update = parse_update(body, bot)
        except (ValueError, ValidationError):  # not JSON, or not an update
            return _refusal(400, "Bad Request: not a Telegram update")
        deferred: list[BotCall] = []
        handed: dict[str, Any] = {DEFERRED_CALLS: deferred}
        # Not feed_webhook_update: past its own 55 s it answers 200 and goes on storing in
        # the background, where a failure loses the update for good.
        if isinstance(update, ButtonTap):
            handling = feed_tap(middleware, update, bot=bot, **handed)
        else:
            handling = dispatcher.feed_update(bot, update, **handed)
        try:
            # asyncio.timeout, not wait_for: wait_for wraps the handling in a task of its own.
            async with asyncio.timeout(settings.webhook_deadline_seconds):
                result = await handling
        except UpdateFailed:
            return _refusal(503, "Service Unavailable")
        except TimeoutError:
            # The transaction may still commit later; the redelivery then finds it done.
            logger.error("telegram update: not stored within the webhook's deadline")
            return _refusal(503, "Service Unavailable")
        except Exception as error:  # never a 200 for an update that was not handled
            logger.error("telegram update: failed (%s)", type(error).__name__)
            return _refusal(500, "Internal Server Error")
        # Made after the response is sent (the answer is committed already).
        after = BackgroundTask(call_all, bot, deferred) if deferred else None
        if not isinstance(result, BotCall):
            return JSONResponse({}, background=after)
        return JSONResponse(result.as_webhook_reply(), background=after)

    return router

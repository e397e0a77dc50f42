"""Bot API calls as plain data, and the one cheap way they are made.

A reply is a `BotCall`: the method's name and its parameters as Telegram reads them (JSON).
The webhook sends the main one back in its HTTP response as it is; the others (the tap's
toast, the edit of the tapped message) are each one JSON POST over the bot's HTTP session.
aiogram's own pipeline would build, validate and dump a pydantic model for every call and
every answer (about half a millisecond a call); the answer of these calls is only looked at
for whether it went through, so none of that is needed. aiogram's Bot stays for the rest
(getMe, setWebhook, polling).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aiohttp import ClientError, ClientTimeout

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession

# Never a call's parameters (they carry chat ids and texts): only the method and the outcome.
logger = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class BotCall:
    """One Bot API call: `method` ("sendMessage"...) and its parameters, None left out."""

    method: str
    params: dict[str, Any]

    def as_webhook_reply(self) -> dict[str, Any]:
        """The call as a webhook's response body: {"method": ..., its parameters}."""
        return {"method": self.method, **self.params}


class CallFailed(Exception):
    """Telegram refused a call, or could not be reached; the message says only how."""


async def make_call(bot: Bot, call: BotCall) -> None:
    """One call as a JSON POST over the bot's HTTP session (its connections are kept)."""
    # The bot's session is aiogram's aiohttp one (bot.telegram.factory makes it).
    session = await cast("AiohttpSession", bot.session).create_session()
    url = bot.session.api.api_url(token=bot.token, method=call.method)
    body = json.dumps(call.params, ensure_ascii=False).encode()
    try:
        async with session.post(
            url, data=body, headers=JSON_HEADERS, timeout=ClientTimeout(total=bot.session.timeout)
        ) as response:
            status, content = response.status, await response.read()
    except (ClientError, TimeoutError) as error:
        raise CallFailed(type(error).__name__) from None
    if not 200 <= status < 300 or not _ok(content):
        raise CallFailed(f"HTTP {status}")


def _ok(content: bytes) -> bool:
    try:
        answer = json.loads(content)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("ok") is True


async def _call_logged(bot: Bot, call: BotCall) -> None:
    try:
        await make_call(bot, call)
    except CallFailed as error:
        # The answer is stored already; a lost edit or toast is cosmetic.
        logger.warning("telegram %s failed (%s)", call.method, error)


async def call_all(bot: Bot, calls: list[BotCall]) -> None:
    """Make calls at once (an update's toast and edit); a failed one is only logged."""
    if calls:
        await asyncio.gather(*(_call_logged(bot, call) for call in calls))

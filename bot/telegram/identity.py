"""Who the bot is: its username, asked of Telegram's getMe over plain HTTP.

For commands that print the bot's name (the posters) when HAILONG_TELEGRAM_BOT_USERNAME is not
set. httpx rather than aiogram: building aiogram's models takes seconds, and a print command
asks one question.
"""

from __future__ import annotations

import httpx

from hailong.settings import Settings

TIMEOUT_SECONDS = 10


def ask_username(settings: Settings) -> str | None:
    """The bot's username, or None when Telegram cannot be asked or does not say."""
    if settings.telegram_token is None:
        return None
    token = settings.telegram_token.get_secret_value()
    # The token is part of the address: never log it.
    url = f"{settings.telegram_api_base.rstrip('/')}/bot{token}/getMe"
    try:
        answer = httpx.get(url, timeout=TIMEOUT_SECONDS).json()
        username = answer["result"]["username"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    return username if isinstance(username, str) and username else None

"""The landing page offers each chat channel that is on, naming its account; a channel whose
account is unknown is not offered, and no line ever says "our account" without naming it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import SecretStr

from hailong.app import create_app
from hailong.counters.tokens import start_payload
from hailong.settings import Settings
from tests.web.conftest import Place

# What the page said before it named accounts.
UNNAMED = ("tài khoản của chúng tôi", "our account", "ứng dụng nhắn tin", "chat app")


def chat_lines(page: str) -> list[str]:
    """The lines under the counter code: one per chat channel offered."""
    block = page[page.index('class="alt"') :]
    block = block[: block.index("</div>")]
    return [re.sub(r"<[^>]+>", "", line).strip() for line in block.splitlines()[2:] if line]


def telegram(settings: Settings, username: str | None) -> Settings:
    return settings.model_copy(
        update={"telegram_token": SecretStr("1:fake"), "telegram_bot_username": username}
    )


class TestLandingChannels:
    def test_telegram_off_offers_no_chat(self, client: TestClient, place: Place) -> None:
        page = client.get(f"/q/{place.token}").text
        assert chat_lines(page) == []
        assert not any(words in page for words in UNNAMED)
        assert "Telegram" not in page

    def test_telegram_on_names_the_bot(self, settings: Settings, place: Place) -> None:
        with TestClient(create_app(telegram(settings, "haiphong_khaosat_bot"))) as client:
            page = client.get(f"/q/{place.token}").text
        assert chat_lines(page) == ["Trả lời qua Telegram: @haiphong_khaosat_bot"]
        link = f"https://t.me/haiphong_khaosat_bot?start={start_payload(place.token)}"
        assert f'href="{link}"' in page
        english = TestClient(create_app(telegram(settings, "haiphong_khaosat_bot")))
        assert (
            "Answer on Telegram: @haiphong_khaosat_bot"
            in english.get(f"/q/{place.token}?lang=en").text
        )

    def test_a_bot_whose_name_is_not_known_yet_is_not_offered(
        self, settings: Settings, place: Place
    ) -> None:
        # Without entering the lifespan, the app has not asked getMe: the name is unknown.
        client = TestClient(create_app(telegram(settings, None)))
        page = client.get(f"/q/{place.token}").text
        assert chat_lines(page) == []
        assert not any(words in page for words in UNNAMED)
        # Once getMe answers (webhook/telegram.py keeps it on the app), the bot is offered.
        client.app.state.telegram_username = "late_bot"  # type: ignore[attr-defined]
        assert chat_lines(client.get(f"/q/{place.token}").text) == [
            "Trả lời qua Telegram: @late_bot"
        ]

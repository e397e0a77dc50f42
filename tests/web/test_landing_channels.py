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


def zalo(settings: Settings, name: str | None = "UBND Phường Hải An") -> Settings:
    return settings.model_copy(
        update={
            "zalo_app_id": "3141592653589793238",
            "zalo_oa_secret": SecretStr("oa-secret"),
            "zalo_oa_name": name,
            "zalo_oa_url": "https://zalo.me/2718281828459045235",
        }
    )


class TestLandingZalo:
    def test_zalo_on_names_the_oa_and_the_code_to_send(
        self, settings: Settings, place: Place
    ) -> None:
        with TestClient(create_app(zalo(settings))) as client:
            page = client.get(f"/q/{place.token}").text
            english = client.get(f"/q/{place.token}?lang=en").text
        code = re.search(r'class="code">([A-Z0-9]+)<', page)
        assert code is not None
        assert chat_lines(page) == [f"Trả lời qua Zalo: UBND Phường Hải An, gửi mã {code[1]}"]
        assert 'href="https://zalo.me/2718281828459045235"' in page
        assert f"Answer on Zalo: UBND Phường Hải An, send the code {code[1]}" in english

    def test_zalo_off_or_unnamed_shows_nothing_of_zalo(
        self, client: TestClient, settings: Settings, place: Place
    ) -> None:
        assert "Zalo" not in client.get(f"/q/{place.token}").text
        with TestClient(create_app(zalo(settings, name=None))) as unnamed:
            page = unnamed.get(f"/q/{place.token}").text
        assert "Zalo" not in page
        assert not any(words in page for words in UNNAMED)

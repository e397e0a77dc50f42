"""The channel registry: which channels run, what they bring to the app, and what counts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from hailong.app import create_app
from hailong.channels import (
    UnknownChannel,
    accounts,
    counted_channels,
    parse_channels,
    running_channels,
)
from hailong.db import make_engine, make_sessionmaker
from hailong.outbox.senders import build_senders
from hailong.settings import Settings
from tests.conftest import TEST_SECRET


def settings(**values: object) -> Settings:
    return Settings(database_url="sqlite://", secret_key=TEST_SECRET, **values)  # type: ignore[arg-type]


def webhook_status(app_settings: Settings) -> int:
    """What POST /webhook/telegram answers without Telegram's secret header."""
    return TestClient(create_app(app_settings)).post("/webhook/telegram", json={}).status_code


class TestWhatRuns:
    def test_web_interview_and_paper_always_telegram_and_email_with_their_settings(
        self,
    ) -> None:
        assert running_channels(settings()) == ("web", "interview", "paper")
        on = settings(telegram_token=SecretStr("1:fake"), smtp_url=SecretStr("smtp://mail"))
        assert running_channels(on) == ("web", "telegram", "email", "interview", "paper")

    def test_the_app_takes_each_running_channels_routes(self) -> None:
        assert webhook_status(settings()) == 404
        on = settings(telegram_token=SecretStr("1:fake"), telegram_bot_username="b")
        assert webhook_status(on) == 401

    def test_a_chat_account_is_known_from_the_app_or_the_settings(self) -> None:
        on = settings(telegram_token=SecretStr("1:fake"))
        assert accounts(on) == {}

        class State:
            telegram_username = "from_get_me_bot"

        assert accounts(on, State()) == {"telegram": "from_get_me_bot"}
        named = settings(telegram_token=SecretStr("1:fake"), telegram_bot_username="@named_bot")
        assert accounts(named) == {"telegram": "named_bot"}
        assert accounts(settings(telegram_bot_username="off_bot")) == {}


class TestZalo:
    def test_zalo_runs_whenever_an_app_id_is_set(self) -> None:
        assert "zalo" not in running_channels(settings(zalo_oa_name="OA"))
        assert running_channels(settings(zalo_app_id="1")) == ("web", "zalo", "interview", "paper")

    def test_its_webhook_is_there_only_when_on(self) -> None:
        def status(app_settings: Settings, body: bytes) -> int:
            client = TestClient(create_app(app_settings))
            return client.post("/webhook/zalo", content=body).status_code

        assert status(settings(), b"{}") == 404
        on = settings(zalo_app_id="1", zalo_oa_secret=SecretStr("s"))
        assert status(on, b"{}") == 200  # the probe when the address is saved
        assert status(on, b'{"event_name": "user_send_text"}') == 401

    def test_the_worker_gets_its_sender(self) -> None:
        on = settings(zalo_app_id="1", zalo_access_token=SecretStr("t"))
        sessions = make_sessionmaker(make_engine("sqlite://"))
        senders = build_senders(on, sessions=sessions)
        assert sorted(senders) == ["zalo"]
        assert sorted(build_senders(settings(), sessions=sessions)) == []


class TestCounted:
    def test_only_channels_that_run_or_brought_responses(self) -> None:
        official = ["web", "telegram", "zalo", "email", "interview", "paper"]
        assert counted_channels(official, running=("web", "paper")) == ["web", "paper"]
        assert counted_channels(official, running=("web", "paper"), answered={"zalo"}) == [
            "web",
            "zalo",
            "paper",
        ]
        assert counted_channels(["email"], running=("web", "paper")) == []


class TestParsing:
    def test_codes_in_the_enum_order_once(self) -> None:
        assert parse_channels(" Paper, web ,web") == ["web", "paper"]
        assert parse_channels(["telegram"]) == ["telegram"]
        assert parse_channels("") == []

    def test_an_unknown_code_names_the_known_ones(self) -> None:
        try:
            parse_channels("web,fax")
        except UnknownChannel as error:
            assert error.params["value"] == "fax"
            assert "zalo" in error.params["channels"]
        else:
            raise AssertionError("fax was taken for a channel")

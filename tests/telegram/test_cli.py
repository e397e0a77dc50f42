"""`hailong telegram set-webhook` and `hailong telegram poll`, run as a developer runs them."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from bot.telegram.factory import ALLOWED_UPDATES, WEBHOOK_PATH
from hailong.app import create_app
from hailong.cli import build_cli
from hailong.counters.tokens import start_payload
from hailong.settings import Settings
from tests.admin.test_demo import SURVEY_URL, Output
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.infra.processes import clean_environment, free_port, start_hailong, stop
from tests.telegram.chat import TOKEN, WEBHOOK_SECRET, TelegramUser, Updates, webhook_headers
from tests.telegram.conftest import Office, only_response, telegram_settings_for

PUBLIC_URL = "https://khaosat.example.vn"


def telegram_env(database_url: str, api: FakeTelegramAPI, **extra: str) -> dict[str, str]:
    return {
        "HAILONG_DATABASE_URL": database_url,
        "HAILONG_SECRET_KEY": TEST_SECRET,
        "HAILONG_BASE_URL": PUBLIC_URL,
        "HAILONG_TELEGRAM_TOKEN": TOKEN,
        "HAILONG_TELEGRAM_API_BASE": api.base_url,
        **extra,
    }


def hailong(env: dict[str, str], *args: str) -> Result:
    """`hailong ARGS...` in-process, with only `env` as HAILONG_* settings."""
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    return CliRunner().invoke(build_cli(), list(args), env={**cleared, **env})


class TestSetWebhook:
    def test_registers_the_public_url_and_the_secret(
        self, database_url: str, telegram_api: FakeTelegramAPI
    ) -> None:
        env = telegram_env(
            database_url, telegram_api, HAILONG_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET
        )

        result = hailong(env, "telegram", "set-webhook")

        assert result.exit_code == 0, result.output
        registered = telegram_api.webhook
        assert registered["url"] == PUBLIC_URL + WEBHOOK_PATH
        assert registered["secret_token"] == WEBHOOK_SECRET
        assert registered["allowed_updates"] == ALLOWED_UPDATES
        assert PUBLIC_URL + WEBHOOK_PATH in result.output

    def test_without_a_configured_secret_it_registers_the_one_the_app_checks(
        self,
        database_url: str,
        settings: Settings,
        telegram_api: FakeTelegramAPI,
        office: Office,
    ) -> None:
        result = hailong(telegram_env(database_url, telegram_api), "telegram", "set-webhook")
        assert result.exit_code == 0, result.output
        registered = telegram_api.webhook["secret_token"]
        assert registered and TEST_SECRET not in registered

        # An app with the same settings accepts Telegram's deliveries with that secret.
        app_settings = telegram_settings_for(settings, telegram_api).model_copy(
            update={"telegram_webhook_secret": None}
        )
        update = Updates().message(TelegramUser(id=5151), f"/start {start_payload(office.token)}")
        with TestClient(create_app(app_settings)) as app:
            wrong = app.post(WEBHOOK_PATH, json=update, headers=webhook_headers("not-it"))
            right = app.post(WEBHOOK_PATH, json=update, headers=webhook_headers(registered))
        assert (wrong.status_code, right.status_code) == (401, 200)

    def test_an_explicit_url_wins(self, database_url: str, telegram_api: FakeTelegramAPI) -> None:
        url = "https://bot.example.vn/webhook/telegram"
        result = hailong(
            telegram_env(database_url, telegram_api), "telegram", "set-webhook", "--url", url
        )
        assert result.exit_code == 0, result.output
        assert telegram_api.webhook["url"] == url

    def test_without_a_token_it_says_so_and_calls_nobody(
        self, database_url: str, telegram_api: FakeTelegramAPI
    ) -> None:
        env = telegram_env(database_url, telegram_api)
        del env["HAILONG_TELEGRAM_TOKEN"]

        result = hailong(env, "telegram", "set-webhook")

        assert result.exit_code != 0
        assert "HAILONG_TELEGRAM_TOKEN" in result.output
        assert "Chưa đặt" in result.output
        assert telegram_api.calls == []


class TestPoll:
    def test_answers_an_update_waiting_in_get_updates(
        self,
        database_url: str,
        telegram_api: FakeTelegramAPI,
        office: Office,
        engine: Engine,
        tmp_path: Path,
    ) -> None:
        # A webhook left from a deployment: poll must remove it, or getUpdates is refused.
        telegram_api.webhook = {"url": PUBLIC_URL + WEBHOOK_PATH}
        user = TelegramUser(id=8080)
        env = clean_environment(**telegram_env(database_url, telegram_api))
        process = start_hailong("telegram", "poll", env=env, cwd=tmp_path)
        try:
            telegram_api.queue_update(
                Updates().message(user, f"/start {start_payload(office.token)}")
            )
            telegram_api.wait_for(lambda api: bool(api.chat(user.id)), seconds=60)
        finally:
            output = stop(process)

        assert "deleteWebhook" in telegram_api.methods()
        assert "getUpdates" in telegram_api.methods()
        first = telegram_api.last_message(user.id)
        assert "Câu 1/" in first.text and office.unit_name in first.text
        assert first.buttons()
        response = only_response(engine)
        assert (response.channel, response.counter_id) == ("telegram", office.counter_id)
        assert str(user.id) not in output


@pytest.mark.slow
class TestDemo:
    def test_the_demo_links_to_the_bot_and_answers_its_webhook(
        self, sqlite_url: str, telegram_api: FakeTelegramAPI, tmp_path: Path
    ) -> None:
        env = telegram_env(sqlite_url, telegram_api, HAILONG_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET)
        del env["HAILONG_SECRET_KEY"], env["HAILONG_BASE_URL"]  # the demo makes and keeps its own
        port = free_port()
        process = start_hailong(
            "demo", "--port", str(port), env=clean_environment(**env), cwd=tmp_path
        )
        try:
            output = Output(process)
            survey_url = output.wait_for(SURVEY_URL).group(1)
            output.wait_for(r"Uvicorn running|Application startup complete")
            token = survey_url.rsplit("/q/", 1)[1]
            landing = httpx.get(survey_url, timeout=10)
            user = TelegramUser(id=6060)
            update = Updates().message(user, f"/start {start_payload(token)}")
            reply = httpx.post(
                f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
                json=update,
                headers=webhook_headers(),
                timeout=10,
            )
        finally:
            stop(process)

        link = f"https://t.me/{telegram_api.username}?start={start_payload(token)}"
        assert f'href="{link}"' in landing.text
        assert reply.status_code == 200
        body = reply.json()
        assert (body["method"], body["chat_id"]) == ("sendMessage", user.id)
        assert "Câu 1/" in body["text"]

"""The one settings class. Each entry point (the app factory, the CLI, the bot) builds its own."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    demo = "demo"
    development = "development"
    production = "production"


def default_database_url() -> str:
    # A SQLite file in the working directory: the embedded default for a newcomer.
    return f"sqlite:///{Path.cwd() / 'hailong.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAILONG_", extra="ignore")

    environment: Environment = Environment.development
    database_url: str = Field(default_factory=default_database_url)
    # Unset means in-process state (rate limits, caches); Redis is never the only copy of anything.
    redis_url: str | None = None
    redis_prefix: str = "hailong:"
    secret_key: SecretStr | None = None
    base_url: str = "http://127.0.0.1:8000"
    default_language: str = "vi"
    # How long a browser may come back to an unfinished web form (signed cookie lifetime).
    resume_hours: int = 24
    # Largest accepted request body for forms and webhooks.
    max_body_bytes: int = 64 * 1024

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None
    # A chat webhook answers 503 (the app delivers again) when an event is not stored by then;
    # shorter than Telegram's own wait of about a minute.
    webhook_deadline_seconds: float = 20.0

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.environment is Environment.production and not self.secret_key:
            raise ValueError("HAILONG_SECRET_KEY must be set in production")
        return self

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")

    def secret(self) -> str:
        """The signing secret; entry points make sure one is set before serving."""
        if self.secret_key is None:
            raise RuntimeError("HAILONG_SECRET_KEY is not set")
        return self.secret_key.get_secret_value()

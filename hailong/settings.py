"""The one settings class. Each entry point (the app factory, the CLI, the bot) builds its own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A time an operator types without an offset is Vietnam's (UTC+7, no daylight saving).
VIETNAM_OFFSET = timezone(timedelta(hours=7))


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
    # Proxies whose X-Forwarded-For/-Proto are believed (addresses or networks, comma-separated):
    # the client's address is then the last one that none of them added.
    trusted_proxies: str = "127.0.0.1"
    # Client addresses appear in the access log only until this moment (then by themselves
    # no more): for an operator chasing an abuse, never left on by accident.
    log_client_addresses_until: datetime | None = None

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None

    @field_validator("log_client_addresses_until")
    @classmethod
    def _vietnam_time_unless_told(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=VIETNAM_OFFSET)
        return value

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.environment is Environment.production and not self.secret_key:
            raise ValueError("HAILONG_SECRET_KEY must be set in production")
        return self

    @property
    def in_production(self) -> bool:
        return self.environment is Environment.production

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")

    def secret(self) -> str:
        """The signing secret; entry points make sure one is set before serving."""
        if self.secret_key is None:
            raise RuntimeError("HAILONG_SECRET_KEY is not set")
        return self.secret_key.get_secret_value()

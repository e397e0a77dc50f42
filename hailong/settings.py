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

    # The outbox worker (`hailong worker`): see hailong/outbox/.
    # Attempts per message before it is marked failed, and the backoff between them: doubling
    # from the first delay up to the largest, each with random jitter.
    outbox_max_attempts: int = Field(default=12, ge=1)
    outbox_backoff_seconds: float = Field(default=5.0, gt=0)
    outbox_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # How long one send may take, and how long a worker holds a message it took: after the
    # lease another worker may take it again (its first worker was killed mid-send).
    outbox_send_timeout_seconds: float = Field(default=30.0, gt=0)
    outbox_lease_seconds: float = Field(default=120.0, gt=0)
    # How often an idle worker looks for due messages.
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    # How long a failed message keeps its recipient, so `hailong outbox retry` can still send
    # it; 0 erases it the moment the message fails, as privacy asks by default.
    outbox_keep_failed_hours: float = Field(default=0.0, ge=0)
    # A generic sender: the `relay` channel POSTs each message as JSON to this address.
    outbox_relay_url: str | None = None

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.environment is Environment.production and not self.secret_key:
            raise ValueError("HAILONG_SECRET_KEY must be set in production")
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Settings:
        # A send, a token refresh and the resend must fit in the lease, or a second worker
        # could take the message while the first is still sending it.
        if self.outbox_lease_seconds < 2 * self.outbox_send_timeout_seconds:
            raise ValueError(
                "HAILONG_OUTBOX_LEASE_SECONDS must be at least twice "
                "HAILONG_OUTBOX_SEND_TIMEOUT_SECONDS"
            )
        return self

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")

    def secret(self) -> str:
        """The signing secret; entry points make sure one is set before serving."""
        if self.secret_key is None:
            raise RuntimeError("HAILONG_SECRET_KEY is not set")
        return self.secret_key.get_secret_value()

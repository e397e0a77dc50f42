"""The one settings class. Each entry point (the app factory, the CLI, the bot) builds its own."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hailong.errors import HailongError
from hailong.i18n import N_

ENV_PREFIX = "HAILONG_"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# A time an operator types without an offset is Vietnam's (UTC+7, no daylight saving).
VIETNAM_OFFSET = timezone(timedelta(hours=7))


class Environment(StrEnum):
    demo = "demo"
    development = "development"
    production = "production"


def default_database_url() -> str:
    # A SQLite file in the working directory: the embedded default for a newcomer.
    return f"sqlite:///{Path.cwd() / 'hailong.db'}"


class ProductionWithoutSecret(ValueError):
    pass


class NoSecretInProduction(HailongError):
    message = N_(
        "HAILONG_ENVIRONMENT is production and HAILONG_SECRET_KEY is not set: set it to a long "
        "random value (e.g. the output of `openssl rand -hex 32`) and keep it stable."
    )


class NoSecret(HailongError):
    message = N_(
        "HAILONG_SECRET_KEY is not set: refusing to serve without a secret (cookies and chat "
        "ids are keyed by it). Set it to a long random value, the same for every process."
    )


class BadSetting(HailongError):
    message = N_("The setting {name} is not valid ({reason}); correct it in the environment.")


class NoPublicAddress(HailongError):
    # The service is up but cannot say where it is: not the visitor's fault.
    status_code = 503
    message = N_(
        "HAILONG_BASE_URL is {url}, which only this computer can open: set HAILONG_BASE_URL to "
        "the service's public address (e.g. https://khaosat.example.gov.vn) before printing or "
        "sending its links."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    environment: Environment = Environment.development
    database_url: str = Field(default_factory=default_database_url)
    # Unset means in-process state (rate limits, caches); Redis is never the only copy of anything.
    redis_url: str | None = None
    redis_prefix: str = "hailong:"
    secret_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
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

    # Office sign-in: a session ends after this long unused, and after this long at all.
    session_idle_minutes: int = Field(default=60, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    # Failed sign-ins in a row that lock an account (an address: five times as many), for
    # how long, and the first wait before answering once they start to pile up.
    login_lock_failures: int = Field(default=10, ge=1)
    login_lock_seconds: int = Field(default=900, ge=1)
    login_slowdown_seconds: float = Field(default=1.0, ge=0)

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None
    # A chat webhook answers 503 (the app delivers again) when an event is not stored by then;
    # shorter than Telegram's own wait of about a minute.
    webhook_deadline_seconds: float = 20.0

    # Zalo Official Account (bot/zalo/, webhook/zalo.py): on whenever an app id is set. The
    # token pair here is only the first one: each refresh rotates both, and the rotated pair
    # lives in the database (channel_credential).
    zalo_app_id: str | None = None
    # Signs the webhook's events (the OA's secret key, not the app's).
    zalo_oa_secret: SecretStr | None = None
    # Renews the access token (the app's secret key).
    zalo_app_secret: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    # The OA as citizens find it, for the landing page and the posters.
    zalo_oa_name: str | None = None
    zalo_oa_url: str | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    # Zalo waits about 2 s for a 200 and then delivers again: answer 503 before that.
    zalo_webhook_deadline_seconds: float = Field(default=1.5, gt=0)

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

    # E-mail invitations (hailong/invitations/): the SMTP server the worker sends through,
    # smtp://host:port (STARTTLS when the server offers it), smtp+starttls:// (STARTTLS
    # required) or smtps:// (TLS from the first byte); user:password@ in the URL if it asks.
    smtp_url: SecretStr | None = None
    # The sender of the invitations, and the address their List-Unsubscribe header names.
    smtp_from: str = "khaosat@localhost"
    # How long an invitation's link opens the survey.
    invitation_valid_days: int = Field(default=30, ge=1)

    @field_validator("log_client_addresses_until")
    @classmethod
    def _vietnam_time_unless_told(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=VIETNAM_OFFSET)
        return value

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.environment is Environment.production and not self.secret_key:
            raise ProductionWithoutSecret("HAILONG_SECRET_KEY must be set in production")
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
    def in_production(self) -> bool:
        return self.environment is Environment.production

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")

    def link_base(self, *, pages: int = 1) -> str:
        """The public address for links that leave this computer: QR codes, posters, links
        printed or sent. A loopback address (the default) would lead every phone nowhere, so
        it is refused in production, and for anything more than a single test page."""
        if _loopback(self.public_base_url) and (
            self.environment is Environment.production or pages > 1
        ):
            raise NoPublicAddress(url=self.public_base_url)
        return self.public_base_url

    def secret(self) -> str:
        """The signing secret; entry points make sure one is set before serving."""
        if self.secret_key is None:
            raise RuntimeError("HAILONG_SECRET_KEY is not set")
        return self.secret_key.get_secret_value()


def _loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def load_settings() -> Settings:
    """The settings from the environment, or one polite error that names the variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise _polite(error) from None


def _polite(error: ValidationError) -> HailongError:
    first = error.errors()[0]
    if isinstance(first.get("ctx", {}).get("error"), ProductionWithoutSecret):
        return NoSecretInProduction()
    field = ".".join(str(part) for part in first["loc"])
    return BadSetting(name=f"{ENV_PREFIX}{field.upper()}", reason=first["msg"])

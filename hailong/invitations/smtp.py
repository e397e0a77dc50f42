"""The `email` channel's sender: each invitation written and handed to an SMTP server.

TLS as HAILONG_SMTP_URL says: smtps:// from the first byte, smtp+starttls:// STARTTLS or
nothing, smtp:// STARTTLS when the server offers it. A 4xx answer, a refused connection or a
timeout is worth another try; a 5xx answer is final. Errors name the SMTP code only: servers
often echo the address in their text.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

from hailong.errors import HailongError
from hailong.i18n import N_, Catalogs
from hailong.invitations.mail import compose, invitation_link
from hailong.outbox.sending import Failed, Outcome, OutgoingMessage, RetryLater, Sent
from hailong.settings import Settings
from hailong.survey.invitations import link_token

SCHEMES = {"smtp": (False, None), "smtp+starttls": (False, True), "smtps": (True, False)}
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class BadSmtpUrl(HailongError):
    message = N_("HAILONG_SMTP_URL must be smtp://, smtp+starttls:// or smtps://host[:port].")


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    use_tls: bool
    start_tls: bool | None
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise BadSmtpUrl()
        use_tls, start_tls = SCHEMES[parts.scheme]
        return cls(
            hostname=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            use_tls=use_tls,
            start_tls=start_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpSender:
    def __init__(self, settings: Settings, *, catalogs: Catalogs | None = None) -> None:
        assert settings.smtp_url is not None
        self.server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
        self.secret = settings.secret()
        self.base_url = settings.public_base_url
        self.sender = settings.smtp_from
        self.timeout = settings.outbox_send_timeout_seconds
        self.catalogs = catalogs or Catalogs("messages")

    async def send(self, message: OutgoingMessage) -> Outcome:
        if message.recipient is None:
            return Failed("no recipient")
        token = link_token(self.secret, str(message.payload["nonce"]))
        email = compose(
            message.payload,
            link=invitation_link(self.base_url, token),
            sender=self.sender,
            recipient=message.recipient,
            idempotency_key=message.idempotency_key,
            catalogs=self.catalogs,
        )
        server = self.server
        try:
            await aiosmtplib.send(
                email,
                hostname=server.hostname,
                port=server.port,
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                username=server.username,
                password=server.password,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            return _by_code(codes[0] if codes else 550)
        except aiosmtplib.SMTPResponseException as error:
            return _by_code(error.code)
        except (aiosmtplib.SMTPException, OSError) as error:
            return RetryLater(f"smtp: {type(error).__name__}")
        return Sent()

    async def refresh(self) -> None:
        """SMTP logs in with every connection: nothing to renew."""

    async def aclose(self) -> None:
        """Each e-mail opens its own connection: nothing held."""


def _by_code(code: int) -> Outcome:
    if 400 <= code < 500 or code < 0:
        return RetryLater(f"SMTP {code}")
    return Failed(f"SMTP {code}")

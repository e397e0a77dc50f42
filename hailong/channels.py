"""The channels a citizen answers through, and the registry of those this service runs.

A channel's code is the `Channel` value stored on each response. The registry says, for each
channel this code base runs: whether the settings turn it on; the account citizens write to
(a chat channel is shown only once its account is known, so no page or poster ever says "send
this code to our account" without naming it); its line on the counter's landing page and on
the posters; the router it adds to the app; and the sender the outbox sends its messages with.
E-mail invitations and interviews join here when they exist.
Zalo joins here when it exists.

This module is where channels are put together, like `hailong.app`: it may name the adapters
(`bot`, `webhook`), always inside the functions that build them, so importing it loads none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hailong.counters.tokens import start_payload
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Channel
from hailong.settings import Settings

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.orm import Session, sessionmaker

    from hailong.context import AppContext

CHANNEL_CODES = tuple(channel.value for channel in Channel)


class UnknownChannel(BadInput):
    message = N_("{value} is not a channel; the channels are {channels}.")


def parse_channels(named: str | list[str]) -> list[str]:
    """Channel codes from "web, telegram" or ["web", "telegram"], in the order of the Channel
    enum, each once; an unknown code is refused, naming the known ones."""
    parts = named.split(",") if isinstance(named, str) else named
    wanted = {part.strip().lower() for part in parts if part.strip()}
    for code in sorted(wanted):
        if code not in CHANNEL_CODES:
            raise UnknownChannel(value=code, channels=", ".join(CHANNEL_CODES))
    return [code for code in CHANNEL_CODES if code in wanted]


@dataclass(frozen=True)
class Invitation:
    """A channel on a counter's landing page: a msgid that names the account ({account}; the
    counter's {short_code} too if needed), and the link to follow, if the channel has one."""

    message: str
    params: Mapping[str, str]
    url: str | None = None


@dataclass(frozen=True)
class PosterLine:
    """A channel under a poster's "Ways to answer": a msgid whose {url} and {short_code} come
    from each poster; `params` fills the rest (the account's name)."""

    message: str
    params: Mapping[str, str] = field(default_factory=dict)


# A channel's sender, for the outbox (a hailong.outbox.Sender), built inside the worker's event
# loop from the settings, the worker's sessions and how many messages it sends at a time.
SenderFactory = Callable[[Settings, "sessionmaker[Session]", int], Any]


@dataclass(frozen=True)
class ChannelType:
    """One channel this service runs, and how every part of it shows the channel."""

    code: str
    enabled: Callable[[Settings], bool]
    # The account citizens write to (a bot, an official account), from the settings or what the
    # running app learnt (`state`, the app's state; None in a command). None: no account.
    account: Callable[[Settings, Any], str | None] | None = None
    # Asks the platform for the account when neither the settings nor the app know it.
    discover: Callable[[Settings], str | None] | None = None
    # (settings, account, the counter's token, its short code)
    landing: Callable[[Settings, str | None, str, str], Invitation] | None = None
    poster: Callable[[str | None], PosterLine] | None = None  # (account)
    router: Callable[[AppContext], APIRouter] | None = None
    sender: SenderFactory | None = None

    @property
    def chat(self) -> bool:
        """A channel citizens reach by writing to an account."""
        return self.account is not None


# --- the web form ---------------------------------------------------------------------------

ON_THE_WEB = N_("On the web: {url}")


def _web_router(context: AppContext) -> APIRouter:
    from hailong.web.citizen.routes import citizen_router

    return citizen_router(context)


# --- e-mail invitations --------------------------------------------------------------------


def _email_on(settings: Settings) -> bool:
    # Without an SMTP server no invitation leaves, so nobody can answer by e-mail. The link's
    # pages are served all the same (hailong.app): a link sent earlier keeps working.
    return settings.smtp_url is not None


# --- Telegram -------------------------------------------------------------------------------

ANSWER_ON_TELEGRAM = N_("Answer on Telegram: @{account}")
ON_TELEGRAM = N_("On Telegram: open t.me/{bot} and send the code {short_code}")


def _telegram_on(settings: Settings) -> bool:
    return settings.telegram_token is not None


def _telegram_account(settings: Settings, state: Any) -> str | None:
    # The app asks getMe at startup and keeps the answer (webhook/telegram.py).
    known = getattr(state, "telegram_username", None) or settings.telegram_bot_username
    return known.lstrip("@") if known else None


def _ask_telegram(settings: Settings) -> str | None:
    from bot.telegram.loading import load_aiogram

    load_aiogram()
    from bot.telegram.identity import ask_username

    return ask_username(settings)


def _telegram_landing(
    settings: Settings, account: str | None, token: str, short_code: str
) -> Invitation:
    del settings, short_code  # the deep link carries the counter
    url = f"https://t.me/{account}?start={start_payload(token)}"
    return Invitation(ANSWER_ON_TELEGRAM, {"account": account or ""}, url)


def _telegram_poster(account: str | None) -> PosterLine:
    return PosterLine(ON_TELEGRAM, {"bot": account or ""})


def _telegram_router(context: AppContext) -> APIRouter:
    from bot.telegram.loading import load_aiogram

    load_aiogram()
    from webhook.telegram import telegram_router

    return telegram_router(context)


# --- Zalo -----------------------------------------------------------------------------------

# An OA chat link carries no start parameter: the citizen sends the counter's code.
ANSWER_ON_ZALO = N_("Answer on Zalo: {account}, send the code {short_code}")
ON_ZALO = N_("On Zalo: find {oa} and send the code {short_code}")


def _zalo_on(settings: Settings) -> bool:
    return bool(settings.zalo_app_id)


def _zalo_account(settings: Settings, state: Any) -> str | None:
    del state
    return settings.zalo_oa_name or None


def _zalo_landing(
    settings: Settings, account: str | None, token: str, short_code: str
) -> Invitation:
    del token, short_code  # the page fills in the short code the citizen types
    return Invitation(ANSWER_ON_ZALO, {"account": account or ""}, settings.zalo_oa_url or None)


def _zalo_poster(account: str | None) -> PosterLine:
    return PosterLine(ON_ZALO, {"oa": account or ""})


def _zalo_router(context: AppContext) -> APIRouter:
    from webhook.zalo import zalo_router

    return zalo_router(context)


def _zalo_sender(settings: Settings, sessions: sessionmaker[Session], connections: int) -> Any:
    from bot.zalo.sender import ZaloSender

    return ZaloSender(settings, sessions, connections=connections)


def _email_sender(settings: Settings, _sessions: sessionmaker[Session], _connections: int) -> Any:
    # Imported here so a worker without SMTP loads no mail code.
    from hailong.invitations.smtp import SmtpSender

    return SmtpSender(settings)


# --- the registry ---------------------------------------------------------------------------


def _always(_settings: Settings) -> bool:
    return True


CHANNEL_TYPES: tuple[ChannelType, ...] = (
    ChannelType(
        code=Channel.web.value,
        enabled=_always,
        poster=lambda _account: PosterLine(ON_THE_WEB),
        router=_web_router,
    ),
    ChannelType(
        code=Channel.telegram.value,
        enabled=_telegram_on,
        account=_telegram_account,
        discover=_ask_telegram,
        landing=_telegram_landing,
        poster=_telegram_poster,
        router=_telegram_router,
        # The lead wires the outbox's Telegram sender here.
        sender=None,
    ),
    ChannelType(
        code=Channel.zalo.value,
        enabled=_zalo_on,
        account=_zalo_account,
        landing=_zalo_landing,
        poster=_zalo_poster,
        router=_zalo_router,
        sender=_zalo_sender,
    ),
    # E-mail invitations (`hailong invitations send`, POST /api/v1/invitations), sent once
    # HAILONG_SMTP_URL names a server.
    ChannelType(code=Channel.email.value, enabled=_email_on, sender=_email_sender),
    # Enumerators' interviews (/interview/, hailong.web.interview): always possible; their
    # pages sit beside the office's, which they share the sign-in with.
    ChannelType(code=Channel.interview.value, enabled=_always),
    # Keyed-in paper forms come in by `hailong import responses`: always possible.
    ChannelType(code=Channel.paper.value, enabled=_always),
)


def enabled_channels(settings: Settings) -> list[ChannelType]:
    """The channels these settings turn on, in the registry's order."""
    return [channel for channel in CHANNEL_TYPES if channel.enabled(settings)]


def channel_type(code: str) -> ChannelType | None:
    return next((channel for channel in CHANNEL_TYPES if channel.code == code), None)


def accounts(settings: Settings, state: Any = None, *, ask: bool = False) -> dict[str, str]:
    """The account of each enabled chat channel that is known: from the running app's state,
    the settings, or (with `ask`) the platform itself. A channel whose account stays unknown
    is left out."""
    found: dict[str, str] = {}
    for channel in enabled_channels(settings):
        if channel.account is None:
            continue
        name = channel.account(settings, state)
        if name is None and ask and channel.discover is not None:
            name = channel.discover(settings)
        if name:
            found[channel.code] = name
    return found


def _shown(channel: ChannelType, known: Mapping[str, str]) -> bool:
    return not channel.chat or channel.code in known


def landing_invitations(
    settings: Settings, state: Any, *, token: str, short_code: str
) -> list[Invitation]:
    """The landing page's other ways to answer: each enabled chat channel, naming its account."""
    known = accounts(settings, state)
    return [
        channel.landing(settings, known.get(channel.code), token, short_code)
        for channel in enabled_channels(settings)
        if channel.landing is not None and _shown(channel, known)
    ]


def poster_lines(settings: Settings, known: Mapping[str, str]) -> list[PosterLine]:
    """The posters' ways to answer: the web form, and each enabled chat channel whose account
    is known (`known`, from `accounts`)."""
    return [
        channel.poster(known.get(channel.code))
        for channel in enabled_channels(settings)
        if channel.poster is not None and _shown(channel, known)
    ]


def unnamed_chats(settings: Settings, known: Mapping[str, str]) -> list[str]:
    """Enabled chat channels left off the posters because their account is not known."""
    return [c.code for c in enabled_channels(settings) if c.chat and c.code not in known]


def channel_routers(context: AppContext) -> list[APIRouter]:
    """The routers of the enabled channels, in the registry's order."""
    return [
        channel.router(context)
        for channel in enabled_channels(context.settings)
        if channel.router is not None
    ]


def running_channels(settings: Settings) -> tuple[str, ...]:
    """The codes of the channels these settings turn on."""
    return tuple(channel.code for channel in enabled_channels(settings))


def counted_channels(
    candidates: Iterable[str], *, running: Iterable[str], answered: Iterable[str] = ()
) -> list[str]:
    """Of `candidates` (a period's official channels, or all), those that really bring
    responses: running here, or with responses already stored (`answered`). A channel this
    service does not run and nobody answered through is not "counted"."""
    real = set(running) | set(answered)
    return [code for code in candidates if code in real]

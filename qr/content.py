"""What a poster says: the counter's details, the batch's period and channels, and the words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from babel.dates import format_date

from hailong.i18n import N_, Catalogs
from hailong.settings import Settings


class PosterSize(StrEnum):
    # A4 portrait for the wall behind the counter; A6 for an acrylic table stand (kệ mica).
    A4 = "A4"
    A6 = "A6"


@dataclass(frozen=True)
class Poster:
    """One counter's poster: the only things that differ from page to page."""

    unit_name: str
    counter_name: str
    short_code: str
    url: str  # in the QR code
    typed_url: str  # printed for typing: the short code's address, which leads to `url`
    parent_unit_name: str | None = None


@dataclass(frozen=True)
class PeriodNote:
    code: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class ChannelNote:
    """A way to answer, printed under "Ways to answer".

    `message` is a msgid; its {url} (the address to type) and {short_code} come from each
    poster, anything else from `values` (e.g. the bot's name).
    """

    message: str
    values: dict[str, str] = field(default_factory=dict)


WEB_CHANNEL = N_("On the web: {url}")
TELEGRAM_WITH_BOT = N_("On Telegram: open t.me/{bot} and send the code {short_code}")
TELEGRAM_WITHOUT_BOT = N_("On Telegram: send the code {short_code} to our survey bot")


def web_channel(settings: Settings) -> ChannelNote | None:
    del settings  # the web form is always there
    return ChannelNote(WEB_CHANNEL)


def telegram_channel(settings: Settings) -> ChannelNote | None:
    if settings.telegram_token is None:
        return None
    bot = (settings.telegram_bot_username or "").lstrip("@")
    if not bot:
        return ChannelNote(TELEGRAM_WITHOUT_BOT)
    return ChannelNote(TELEGRAM_WITH_BOT, {"bot": bot})


# Each configured channel adds one line. Zalo joins here once its OA settings exist: a
# `zalo_channel(settings)` returning e.g. "On Zalo: follow {oa} and send the code {short_code}".
CHANNEL_RULES: tuple[Callable[[Settings], ChannelNote | None], ...] = (
    web_channel,
    telegram_channel,
)


def configured_channels(settings: Settings) -> tuple[ChannelNote, ...]:
    notes = (rule(settings) for rule in CHANNEL_RULES)
    return tuple(note for note in notes if note is not None)


class PosterText:
    """The poster's words in Vietnamese (large) and English (small), from the "qr" catalogs."""

    def __init__(self, catalogs: Catalogs | None = None) -> None:
        self._catalogs = catalogs or Catalogs("qr")

    def vi(self, message: str, **params: object) -> str:
        return self._catalogs.get("vi").gettext(message).format(**params)

    def en(self, message: str, **params: object) -> str:
        return self._catalogs.get("en").gettext(message).format(**params)

    def date_vi(self, value: date) -> str:
        return value.strftime("%d/%m/%Y")

    def date_en(self, value: date) -> str:
        return format_date(value, "d MMM y", locale="en")


@dataclass(frozen=True)
class PosterFrame:
    """What every poster of one batch shares."""

    size: PosterSize
    channels: tuple[ChannelNote, ...]
    period: PeriodNote | None = None
    text: PosterText = field(default_factory=PosterText)

"""What a poster says: the counter's details, the batch's period and channels, and the words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from babel.dates import format_date

from hailong.channels import accounts, poster_lines
from hailong.i18n import Catalogs, domain_of
from hailong.responses.timing import DEFAULT_MINUTES
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
    id: int | None = None


@dataclass(frozen=True)
class ChannelNote:
    """A way to answer, printed under "Ways to answer", in Vietnamese and English; its {url}
    (the address to type) and {short_code} come from each poster."""

    vi: str
    en: str

    def lines(self, poster: Poster) -> tuple[str, str]:
        # Nobody types a 22-character token from a wall: the line gives the short address.
        values = {"url": poster.typed_url, "short_code": poster.short_code}
        return fill(self.vi, values), fill(self.en, values)


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, values: Mapping[str, str]) -> str:
    """The {name}s of `template` that `values` has, replaced; the others left for later."""
    return PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), template)


def configured_channels(
    settings: Settings, known: Mapping[str, str] | None = None
) -> tuple[ChannelNote, ...]:
    """The registry's poster line of each enabled channel, translated; a chat channel only
    when its account is known (`known`; by default, what the settings name)."""
    # The registry words its lines in its own module's domain.
    catalogs = Catalogs(domain_of(poster_lines.__module__))
    lines = poster_lines(settings, accounts(settings) if known is None else known)
    return tuple(
        ChannelNote(
            vi=fill(catalogs.gettext("vi", line.message), line.params),
            en=fill(catalogs.gettext("en", line.message), line.params),
        )
        for line in lines
    )


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
    # What the poster promises (hailong.responses.timing): measured, or the stated default.
    minutes: int = DEFAULT_MINUTES

"""The channels a citizen answers through, and the registry of those this service runs.

A channel's code is the `Channel` value stored on each response. The registry (below) says,
for each channel this code base runs, whether the settings turn it on, how the landing page
and the posters show it, and which router and sender it brings.
"""

from __future__ import annotations

from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Channel

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

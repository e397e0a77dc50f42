"""The senders a worker sends through, by channel code, built from the settings.

The channel registry (hailong/channels.py) declares each channel's sender factory; this is
where the worker's entry points ask for them, for the channels the settings turn on, beside
the relay. A channel without a sender is simply not claimed: its messages wait, counted by
`hailong outbox`, for a worker that has one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from hailong.channels import enabled_channels
from hailong.outbox.http import RELAY_CHANNEL, RelaySender
from hailong.outbox.sending import Sender
from hailong.settings import Settings


def build_senders(
    settings: Settings,
    *,
    concurrency: int = 4,
    sessions: sessionmaker[Session] | None = None,
) -> dict[str, Sender]:
    """Called inside the worker's event loop: senders may hold connections bound to it.
    `sessions`: for senders that keep state in the database (Zalo's tokens); without it,
    only the senders that need none."""
    senders: dict[str, Sender] = {}
    if sessions is not None:
        for channel in enabled_channels(settings):
            if channel.sender is not None:
                senders[channel.code] = channel.sender(settings, sessions, max(concurrency, 1))
    if settings.outbox_relay_url:
        senders[RELAY_CHANNEL] = RelaySender(
            settings.outbox_relay_url,
            timeout=settings.outbox_send_timeout_seconds,
            connections=max(concurrency, 1),
        )
    return senders

"""The senders a worker sends through, by channel code, built from the settings.

The channel registry (hailong/channels.py) declares each channel's sender factory; this is
where the worker's entry points ask for them. Until a channel declares one, only the relay
is here. A channel without a sender is simply not claimed: its messages wait, counted by
`hailong outbox`, for a worker that has one.
"""

from __future__ import annotations

from hailong.models import Channel
from hailong.outbox.http import RELAY_CHANNEL, RelaySender
from hailong.outbox.sending import Sender
from hailong.settings import Settings


def build_senders(settings: Settings, *, concurrency: int = 4) -> dict[str, Sender]:
    """Called inside the worker's event loop: senders may hold connections bound to it."""
    senders: dict[str, Sender] = {}
    if settings.outbox_relay_url:
        senders[RELAY_CHANNEL] = RelaySender(
            settings.outbox_relay_url,
            timeout=settings.outbox_send_timeout_seconds,
            connections=max(concurrency, 1),
        )
    if settings.smtp_url is not None:
        # E-mail invitations (hailong/invitations/); imported here so the worker without
        # SMTP loads no mail code.
        from hailong.invitations.smtp import SmtpSender

        senders[Channel.email.value] = SmtpSender(settings)
    return senders

"""What a sender is: given a claimed message, send it and say how it went.

A sender is looked up by channel code in the mapping the entry point builds (the channel
registry declares each channel's sender). It never touches the outbox table: the worker
records what the sender says, in its own transaction, right after the send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One claimed message, as a sender sees it."""

    id: int
    channel: str
    kind: str
    # Hidden from repr: a message printed by mistake must not put a chat id or an address
    # into a log.
    recipient: str | None = field(repr=False)
    payload: dict[str, Any] = field(repr=False)
    # Stable across every attempt: a provider that supports idempotency (a header, a message
    # id it deduplicates on) should get it, so a resend after a crash is recognised there.
    idempotency_key: str
    # 1 for the first attempt; a message taken again after a crash counts that attempt too.
    attempt: int


@dataclass(frozen=True)
class Sent:
    """The provider accepted the message."""


@dataclass(frozen=True)
class RetryLater:
    """Worth trying again: a network error, a 5xx, a rate limit. `after` is the provider's own
    wait (Retry-After), in seconds, when it gave one."""

    error: str
    after: float | None = None


@dataclass(frozen=True)
class Failed:
    """Refused for good (a malformed message, a recipient who blocked us): never retried."""

    error: str


@dataclass(frozen=True)
class Refresh:
    """The credentials were refused (an expired access token): the worker calls the sender's
    refresh() and sends once more, in the same attempt."""

    error: str


Outcome = Sent | RetryLater | Failed | Refresh


class Sender(Protocol):
    """Send one message; say Sent, RetryLater, Failed or Refresh.

    Errors are short texts for operators (`HTTP 503`, `Zalo error -32`): never a recipient,
    a token or a message body. An exception counts as RetryLater with its type's name.
    """

    async def send(self, message: OutgoingMessage) -> Outcome: ...

    async def refresh(self) -> None:
        """Renew credentials after a Refresh outcome. Several messages may ask at once: a
        sender whose refresh must happen once (a single-use refresh token) guards it itself."""

    async def aclose(self) -> None:
        """Release connections; called once when the worker stops."""

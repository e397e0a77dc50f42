"""Senders over HTTP: what an answer means for a message, and the `relay` sender.

Every HTTP sender (the relay here; Zalo's and Telegram's in their adapters) reads answers the
same way: 2xx sent; 408, 425, 429 and 5xx worth another try, after the provider's
Retry-After when it gave one; any other 4xx refused for good. Error texts carry the status
only, never the body, which may echo the recipient.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hailong.outbox.sending import Failed, Outcome, OutgoingMessage, RetryLater, Sent

# Timeouts and rate limits: the same request may well succeed later.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
RELAY_CHANNEL = "relay"


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds, or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def outcome_of(response: httpx.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Sent()
    error = f"HTTP {status} {response.reason_phrase}".strip()
    if status >= 500 or status in RETRYABLE_STATUSES:
        return RetryLater(error, after=retry_after(response.headers.get("Retry-After")))
    return Failed(error)


def network_trouble(error: httpx.TransportError) -> RetryLater:
    """A connection refused or reset, a timeout: try again later. Its type names it well
    enough; its text may hold the address we were reaching."""
    return RetryLater(f"network: {type(error).__name__}")


class RelaySender:
    """The `relay` channel: each message POSTed as JSON to one address, with its idempotency
    key as the Idempotency-Key header. A province can point it at its own system (alerts into
    its dispatch software); the tests and bench/outbox.py point it at a fake of ours."""

    def __init__(self, url: str, *, timeout: float, connections: int = 100) -> None:
        self.url = url
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=connections),
            follow_redirects=False,
        )

    async def send(self, message: OutgoingMessage) -> Outcome:
        body: dict[str, Any] = {
            "id": message.id,
            "kind": message.kind,
            "recipient": message.recipient,
            "payload": message.payload,
            "idempotency_key": message.idempotency_key,
            "attempt": message.attempt,
        }
        try:
            response = await self._client.post(self.url, json=body, headers=self.headers(message))
        except httpx.TransportError as error:
            return network_trouble(error)
        return self.outcome(response)

    def headers(self, message: OutgoingMessage) -> dict[str, str]:
        return {"Idempotency-Key": message.idempotency_key}

    def outcome(self, response: httpx.Response) -> Outcome:
        return outcome_of(response)

    async def refresh(self) -> None:
        """The relay has no credentials to renew."""

    async def aclose(self) -> None:
        await self._client.aclose()

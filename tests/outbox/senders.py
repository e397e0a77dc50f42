"""Senders of the tests' own, over real HTTP to the fake relay: what a channel's sender does
with expiring credentials, and with a provider that echoes the recipient in its errors."""

from __future__ import annotations

import httpx

from hailong.outbox import Failed, Outcome, OutgoingMessage, Refresh
from hailong.outbox.http import RelaySender, outcome_of


class TokenRelay(RelaySender):
    """Sends with a bearer token; a 401 asks the worker for refresh(), which fetches a new one."""

    def __init__(self, url: str, token_url: str, *, token: str) -> None:
        super().__init__(url, timeout=5)
        self.token_url = token_url
        self.token = token
        self.refreshes = 0

    def headers(self, message: OutgoingMessage) -> dict[str, str]:
        return {**super().headers(message), "Authorization": f"Bearer {self.token}"}

    def outcome(self, response: httpx.Response) -> Outcome:
        if response.status_code == 401:
            return Refresh("HTTP 401")
        return outcome_of(response)

    async def refresh(self) -> None:
        self.refreshes += 1
        answer = await self._client.post(self.token_url)
        self.token = answer.json()["token"]


class EchoingRelay(RelaySender):
    """A provider whose refusals quote the address, as SMTP servers do."""

    def __init__(self, url: str) -> None:
        super().__init__(url, timeout=5)
        self._recipient: str | None = None

    async def send(self, message: OutgoingMessage) -> Outcome:
        self._recipient = message.recipient
        return await super().send(message)

    def outcome(self, response: httpx.Response) -> Outcome:
        if response.status_code == 400:
            return Failed(f"550 5.1.1 <{self._recipient}>:\n recipient address rejected")
        return outcome_of(response)

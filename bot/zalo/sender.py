"""The outbox's sender for the `zalo` channel: each queued reply POSTed to Zalo with the OA's
current access token, which is renewed on -216 (the worker calls refresh()) and before it
expires (the worker's upkeep)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker

from bot.zalo import tokens
from bot.zalo.client import RenewalRefused, TokenPair, ZaloClient
from bot.zalo.tokens import Seed
from hailong.outbox.sending import Failed, Outcome, OutgoingMessage, Refresh
from hailong.settings import Settings

# Never a token, a user id or a message: only what happened, by kind.
logger = logging.getLogger(__name__)


class ZaloSender:
    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], *, connections: int = 4
    ) -> None:
        self.sessions = sessions
        self.first = Seed.from_settings(settings)
        self.client = ZaloClient(
            api_base=settings.zalo_api_base,
            oauth_base=settings.zalo_oauth_base,
            timeout=settings.outbox_send_timeout_seconds,
            connections=connections,
        )
        self._pair: TokenPair | None = None
        self._refused: str | None = None
        # One renewal at a time in this process; the database lock does it across processes.
        self._renewing = asyncio.Lock()

    async def _token(self) -> str:
        if self._pair is None:
            self._pair = await asyncio.to_thread(tokens.current, self.sessions, self.first)
        return self._pair.access_token

    async def send(self, message: OutgoingMessage) -> Outcome:
        if not message.recipient:
            return Failed("no recipient")
        token = await self._token()
        outcome = await self.client.send(token, message.recipient, message.payload)
        if isinstance(outcome, Refresh):
            self._refused = token
        return outcome

    async def refresh(self) -> None:
        """After Zalo refused the access token: renew it, unless that was done meanwhile."""
        async with self._renewing:
            refused = self._refused
            if self._pair is not None and self._pair.access_token != refused:
                return  # another send's refresh got there first
            self._pair = await self._renew(refused=refused)

    async def upkeep(self) -> None:
        """Called by the worker now and then: pick up a pair another worker renewed, and
        renew this one before it expires."""
        async with self._renewing:
            pair = await asyncio.to_thread(tokens.current, self.sessions, self.first)
            self._pair = pair if not tokens.due(pair) else await self._renew(refused=None)

    async def _renew(self, *, refused: str | None) -> TokenPair:
        try:
            return await asyncio.to_thread(
                tokens.renew, self.sessions, self.client, self.first, refused=refused
            )
        except RenewalRefused as error:
            # The operator must authorise the OA again and set a new pair.
            logger.error("zalo: the tokens could not be renewed (%s)", error)
            raise

    async def aclose(self) -> None:
        await self.client.aclose()

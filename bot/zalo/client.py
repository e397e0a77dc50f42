"""Zalo's OpenAPI over HTTP: a consultation message to one user, and the renewal of the OA's
tokens. What an answer means for the outbox is decided here; tokens and user ids never appear
in an error text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.zalo import api
from hailong.models.base import utcnow
from hailong.outbox.http import network_trouble, outcome_of
from hailong.outbox.sending import Failed, Outcome, Refresh, RetryLater, Sent


@dataclass(frozen=True)
class TokenPair:
    access_token: str = ""
    refresh_token: str = ""
    expires_at: datetime | None = None


class RenewalRefused(Exception):
    """Zalo would not renew the tokens (a refresh token used or expired: the OA must be
    authorised again). Its text is Zalo's error code only."""


def outcome(response: httpx.Response) -> Outcome:
    """A send's answer: Zalo answers 200 with an `error` code in the body."""
    if response.status_code != 200:
        return outcome_of(response)
    try:
        body = response.json()
        code = int(body.get("error", 0))
    except (ValueError, TypeError, AttributeError):
        return RetryLater("Zalo: an answer that is not JSON")
    error = f"Zalo error {code}"
    if code == api.OK:
        return Sent()
    if code in api.TOKEN_ERRORS:
        return Refresh(error)
    if code in api.RATE_ERRORS:
        return RetryLater(error)
    # Final (not a follower, outside the window) or unknown: trying again would not help,
    # and a retry storm against a refusal helps nobody.
    return Failed(error)


class ZaloClient:
    def __init__(self, *, api_base: str, oauth_base: str, timeout: float, connections: int = 4):
        self.send_url = api_base.rstrip("/") + api.SEND_PATH
        self.token_url = oauth_base.rstrip("/") + api.TOKEN_PATH
        self.timeout = timeout
        self._http = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max(connections, 1)),
            follow_redirects=False,
        )

    async def send(self, token: str, user_id: str, message: dict[str, Any]) -> Outcome:
        body = {"recipient": {"user_id": user_id}, "message": message}
        try:
            response = await self._http.post(
                self.send_url, json=body, headers={api.TOKEN_HEADER: token}
            )
        except httpx.TransportError as error:
            return network_trouble(error)
        return outcome(response)

    def renew(self, *, app_id: str, app_secret: str, refresh_token: str) -> TokenPair:
        """A new pair for the single-use refresh token (synchronous: it runs in the thread
        that holds the credential's database lock)."""
        form = {"refresh_token": refresh_token, "app_id": app_id, "grant_type": api.GRANT_TYPE}
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as http:
            response = http.post(
                self.token_url, data=form, headers={api.APP_SECRET_HEADER: app_secret}
            )
        if response.status_code != 200:
            raise RenewalRefused(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise RenewalRefused("an answer that is not JSON") from None
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str):
            raise RenewalRefused(f"Zalo error {body.get('error', 'unknown')}")
        return TokenPair(access, refresh, _expiry(body.get("expires_in")))

    async def aclose(self) -> None:
        await self._http.aclose()


def _expiry(expires_in: object) -> datetime | None:
    # A string of seconds, as Zalo sends it (a number is taken too).
    try:
        seconds = int(str(expires_in))
    except ValueError:
        return None
    return utcnow() + timedelta(seconds=seconds)

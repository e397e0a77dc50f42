"""The one dependency that resolves the caller of a request (office page or API call).

actor = callers.optional(request)    # None for nobody
actor = callers.required(request)    # 401 for nobody
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import Request

from hailong.accounts.caller import resolve_caller
from hailong.accounts.scope import Actor
from hailong.accounts.sessions import Lifetimes
from hailong.db import unit_of_work
from hailong.errors import HailongError
from hailong.i18n import N_
from hailong.settings import Environment, Settings

if TYPE_CHECKING:
    from hailong.context import AppContext

SESSION_COOKIE = "hl_office"


class NotSignedIn(HailongError):
    status_code = 401
    message = N_("Please sign in first (or send an API token).")


def session_lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def office_cookie_options(settings: Settings, request: Request) -> dict[str, Any]:
    """HttpOnly and SameSite=Lax always; Secure over https and always in production."""
    secure = (
        request.url.scheme == "https"
        or settings.public_base_url.startswith("https://")
        or settings.environment == Environment.production
    )
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


def client_address(request: Request) -> str:
    # Behind the proxy, uvicorn's proxy headers (hailong serve) put the visitor's address here.
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer <token>`; "" for a malformed header (refused)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Callers:
    def __init__(self, context: AppContext) -> None:
        self.sessions = context.sessions
        self.lifetimes = session_lifetimes(context.settings)

    def optional(self, request: Request) -> Actor | None:
        """The caller, resolved once per request."""
        if not hasattr(request.state, "actor"):
            with unit_of_work(self.sessions) as session:
                request.state.actor = resolve_caller(
                    session,
                    bearer=bearer_token(request),
                    cookie=request.cookies.get(SESSION_COOKIE),
                    lifetimes=self.lifetimes,
                )
        actor: Actor | None = request.state.actor
        return actor

    def required(self, request: Request) -> Actor:
        actor = self.optional(request)
        if actor is None:
            raise NotSignedIn()
        return actor

"""The office's sign-in, sign-out and first page, at /office/.

Plain server-rendered forms (they work with JavaScript off), each carrying its CSRF token.
The sign-in answer waits when failures pile up (the throttle's slow-down) without holding a
worker thread: the route is async and only the database work runs in the thread pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hailong.accounts.scope import ROLE_LABELS, Actor
from hailong.accounts.signin import Refused, SignedIn, sign_in, sign_out
from hailong.accounts.throttle import LoginThrottle, ThrottlePolicy, limits_storage
from hailong.db import unit_of_work
from hailong.models import Unit
from hailong.settings import Settings
from hailong.web.callers import (
    SESSION_COOKIE,
    Callers,
    client_address,
    office_cookie_options,
)
from hailong.web.office.csrf import CSRF_FIELD, Csrf
from hailong.web.rendering import Renderer, other_language, request_language

if TYPE_CHECKING:
    from hailong.context import AppContext

LOGIN_URL = "/office/login"
HOME_URL = "/office/"
# Sign-in has three fields; anything far beyond that is not our form.
MAX_FIELDS = 10


def login_throttle(settings: Settings) -> LoginThrottle:
    policy = ThrottlePolicy(
        account_failures=settings.login_lock_failures,
        address_failures=5 * settings.login_lock_failures,
        lock_seconds=settings.login_lock_seconds,
        slowdown_seconds=settings.login_slowdown_seconds,
    )
    return LoginThrottle(limits_storage(settings.redis_url, settings.redis_prefix), policy)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never //elsewhere)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME_URL


async def posted_fields(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return {k: v for k, v in form.items() if not isinstance(v, UploadFile)}


class Office:
    def __init__(self, context: AppContext, callers: Callers) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.renderer = Renderer(context.settings, context.catalogs)
        self.callers = callers
        self.csrf = Csrf(context.settings)
        self.throttle = login_throttle(context.settings)

    def page_actor(self, request: Request) -> Actor | None:
        """The signed-in person of a page: API tokens open the API, not the office."""
        actor = self.callers.optional(request)
        return actor if actor is not None and actor.via == "session" else None

    def render(
        self,
        request: Request,
        template: str,
        values: Mapping[str, Any],
        *,
        binding: str = "",
        status_code: int = 200,
    ) -> Response:
        token = self.csrf.token(request, binding=binding)
        response = self.renderer.render(
            request, template, {**values, "csrf_token": token.value}, status_code=status_code
        )
        token.set_cookie(response, self.settings, request)
        response.headers["cache-control"] = "no-store"
        return response

    # Sign in -------------------------------------------------------------------------

    def login_page(self, request: Request) -> Response:
        if self.page_actor(request) is not None:
            return redirect(safe_next(request.query_params.get("next")))
        values = {"next": safe_next(request.query_params.get("next")), "username": ""}
        return self.render(request, "office/login.html", values)

    async def login(self, request: Request) -> Response:
        posted = await posted_fields(request)
        self.csrf.verify(request, posted.get(CSRF_FIELD))
        username = posted.get("username", "")[:200]
        outcome = await run_in_threadpool(
            self._sign_in, request, username, posted.get("password", "")
        )
        target = safe_next(posted.get("next"))
        if isinstance(outcome, SignedIn):
            response = redirect(target)
            response.set_cookie(
                SESSION_COOKIE, outcome.secret, **office_cookie_options(self.settings, request)
            )
            return response
        # The slow-down: the answer to a failure waits, holding no thread while it does.
        await asyncio.sleep(outcome.delay)
        return self._refused(request, outcome, username=username, target=target)

    def _sign_in(self, request: Request, username: str, password: str) -> SignedIn | Refused:
        with unit_of_work(self.sessions) as session:
            return sign_in(
                session,
                throttle=self.throttle,
                username=username,
                password=password,
                address=client_address(request),
                replacing_secret=request.cookies.get(SESSION_COOKIE),
            )

    def _refused(
        self, request: Request, refused: Refused, *, username: str, target: str
    ) -> Response:
        language = request_language(request)
        error = refused.error
        values = {
            "next": target,
            "username": username,
            "error": error.text(language),
            "error_other": error.text(other_language(language)),
        }
        response = self.render(request, "office/login.html", values, status_code=error.status_code)
        if refused.retry_after:
            response.headers["retry-after"] = str(refused.retry_after)
        return response

    # Sign out ------------------------------------------------------------------------

    async def logout(self, request: Request) -> Response:
        posted = await posted_fields(request)
        actor = await run_in_threadpool(self.page_actor, request)
        self.csrf.verify(request, posted.get(CSRF_FIELD), binding=binding_of(actor))
        if actor is not None:
            await run_in_threadpool(self._sign_out, request, actor)
        response = redirect(LOGIN_URL)
        response.delete_cookie(SESSION_COOKIE, **office_cookie_options(self.settings, request))
        return response

    def _sign_out(self, request: Request, actor: Actor) -> None:
        with unit_of_work(self.sessions) as session:
            sign_out(session, actor=actor, address=client_address(request))

    # The first page ------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        actor = self.page_actor(request)
        if actor is None:
            return redirect(f"{LOGIN_URL}?next={HOME_URL}")
        unit = None
        if actor.unit_id is not None:
            with self.sessions() as session:
                unit = session.get_one(Unit, actor.unit_id)
        values = {
            "username": actor.username,
            "role": self.renderer.gettext(request_language(request), ROLE_LABELS[actor.role]),
            "unit_name": unit.name if unit else None,
            "unit_code": unit.code if unit else None,
        }
        return self.render(request, "office/home.html", values, binding=binding_of(actor))


def binding_of(actor: Actor | None) -> str:
    """What a signed-in page's CSRF tokens are bound to: the session it was shown in."""
    return f"session:{actor.credential_id}" if actor is not None else ""


def redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    return response


def office_router(context: AppContext, callers: Callers) -> APIRouter:
    office = Office(context, callers)
    router = APIRouter(prefix="/office", include_in_schema=False)

    @router.get("/login")
    def login_page(request: Request) -> Response:
        return office.login_page(request)

    @router.post("/login")
    async def login(request: Request) -> Response:
        return await office.login(request)

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        return await office.logout(request)

    @router.get("/")
    def home(request: Request) -> Response:
        return office.home(request)

    return router

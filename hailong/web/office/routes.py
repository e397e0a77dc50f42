"""The office's sign-in and sign-out, and the router of every office page, at /office/.

Plain server-rendered forms (they work with JavaScript off), each carrying its CSRF token.
The sign-in answer waits when failures pile up (the throttle's slow-down) without holding a
worker thread: the route is async and only the database work runs in the thread pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hailong.accounts.scope import Actor
from hailong.accounts.signin import Refused, SignedIn, sign_in, sign_out
from hailong.accounts.throttle import LoginThrottle, ThrottlePolicy, limits_storage
from hailong.db import unit_of_work
from hailong.settings import Settings
from hailong.web.callers import (
    SESSION_COOKIE,
    Callers,
    client_address,
    office_cookie_options,
)
from hailong.web.office.audit import AuditPage
from hailong.web.office.counters import CountersPage
from hailong.web.office.csrf import CSRF_FIELD
from hailong.web.office.downloads import DownloadsPage
from hailong.web.office.home import Home
from hailong.web.office.pages import LOGIN_URL, Navigation, OfficePages, binding_of, redirect
from hailong.web.office.periods import PeriodsPage
from hailong.web.office.posters import PostersPage
from hailong.web.office.progress import ProgressPage
from hailong.web.office.questionnaires import QuestionnairesPage
from hailong.web.office.users import UsersPage
from hailong.web.office.verification import Verification
from hailong.web.rendering import other_language, request_language

if TYPE_CHECKING:
    from hailong.context import AppContext

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
    def __init__(self, context: AppContext, pages: OfficePages) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.pages = pages
        self.csrf = pages.csrf
        self.throttle = login_throttle(context.settings)

    def page_actor(self, request: Request) -> Actor | None:
        return self.pages.actor(request)

    def render(
        self,
        request: Request,
        template: str,
        values: Mapping[str, Any],
        *,
        status_code: int = 200,
    ) -> Response:
        return self.pages.render(request, None, template, values, status_code=status_code)

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


def office_router(
    context: AppContext, callers: Callers, navigation: Navigation | None = None
) -> APIRouter:
    pages = OfficePages(context, callers, navigation or Navigation())
    office = Office(context, pages)
    home = Home(pages)
    progress = ProgressPage(pages, context.notices)
    posters = PostersPage(pages)
    router = APIRouter(include_in_schema=False)

    @router.get("/static/office.css")
    def stylesheet() -> Response:
        return pages.stylesheet.response()

    @router.get("/static/office.js")
    def script() -> Response:
        return pages.script.response()

    router.include_router(_pages_router(office, home, progress))
    router.include_router(_posters_router(posters))
    router.include_router(_verification_router(Verification(pages)))
    router.include_router(_counters_router(CountersPage(pages)))
    router.include_router(_downloads_router(DownloadsPage(pages)))
    router.include_router(_periods_router(PeriodsPage(pages)))
    router.include_router(_users_router(UsersPage(pages)))
    questionnaires = QuestionnairesPage(pages)

    @router.get("/office/questionnaires")
    def questionnaires_page(request: Request) -> Response:
        return questionnaires.page(request)

    @router.get("/office/questionnaires/{code}")
    def questionnaire_preview(request: Request, code: str) -> Response:
        return questionnaires.preview(request, code)

    audit = AuditPage(pages)

    @router.get("/office/audit")
    def audit_page(request: Request) -> Response:
        return audit.page(request)

    return router


def _periods_router(periods: PeriodsPage) -> APIRouter:
    router = APIRouter(prefix="/office/periods", include_in_schema=False)

    @router.get("")
    def periods_page(request: Request) -> Response:
        return periods.page(request)

    @router.post("")
    async def add_period(request: Request) -> Response:
        return await periods.create(request)

    @router.post("/{code}")
    async def change_period(request: Request, code: str) -> Response:
        return await periods.change(request, code)

    @router.post("/{code}/close")
    async def close_period(request: Request, code: str) -> Response:
        return await periods.close(request, code)

    @router.get("/{code}/quotas")
    def quotas_page(request: Request, code: str) -> Response:
        return periods.quotas_page(request, code)

    @router.post("/{code}/quotas")
    async def set_quotas(request: Request, code: str) -> Response:
        return await periods.set_quotas(request, code)

    return router


def _users_router(users: UsersPage) -> APIRouter:
    router = APIRouter(prefix="/office/users", include_in_schema=False)

    @router.get("")
    def users_page(request: Request) -> Response:
        return users.page(request)

    @router.post("")
    async def add_account(request: Request) -> Response:
        return await users.add(request)

    @router.get("/{account_id}")
    def account_page(request: Request, account_id: int) -> Response:
        return users.account_page(request, account_id)

    @router.post("/{account_id}")
    async def change_account(request: Request, account_id: int) -> Response:
        return await users.change(request, account_id)

    return router


def _downloads_router(downloads: DownloadsPage) -> APIRouter:
    router = APIRouter(prefix="/office/downloads", include_in_schema=False)

    @router.get("")
    def downloads_page(request: Request) -> Response:
        return downloads.page(request)

    @router.get("/file")
    def download_file(request: Request) -> Response:
        return downloads.get(request)

    return router


def _counters_router(counters: CountersPage) -> APIRouter:
    router = APIRouter(prefix="/office/counters", include_in_schema=False)

    @router.get("")
    def counters_page(request: Request) -> Response:
        return counters.page(request)

    @router.post("")
    async def add_counters(request: Request) -> Response:
        return await counters.add(request)

    @router.post("/{counter_id}")
    async def change_counter(request: Request, counter_id: int) -> Response:
        return await counters.change(request, counter_id)

    @router.get("/{counter_id}/revoke")
    def revoke_page(request: Request, counter_id: int) -> Response:
        return counters.revoke_page(request, counter_id)

    @router.post("/{counter_id}/revoke")
    async def revoke(request: Request, counter_id: int) -> Response:
        return await counters.revoke(request, counter_id)

    @router.get("/{counter_id}/poster.pdf")
    def poster(request: Request, counter_id: int) -> Response:
        return counters.poster(request, counter_id)

    return router


def _verification_router(verification: Verification) -> APIRouter:
    router = APIRouter(prefix="/office/responses", include_in_schema=False)

    @router.get("")
    def responses_page(request: Request) -> Response:
        return verification.list_page(request)

    @router.post("/review")
    async def review(request: Request) -> Response:
        return await verification.review(request)

    @router.get("/{public_id}")
    def response_page(request: Request, public_id: str) -> Response:
        return verification.detail_page(request, public_id)

    return router


def _posters_router(posters: PostersPage) -> APIRouter:
    router = APIRouter(prefix="/office/posters", include_in_schema=False)

    @router.get("")
    def posters_page(request: Request) -> Response:
        return posters.page(request)

    @router.post("")
    async def start_batch(request: Request) -> Response:
        return await posters.start(request)

    @router.get("/{job}")
    def batch(request: Request, job: str) -> Response:
        return posters.job(request, job)

    @router.get("/{job}/posters.pdf")
    def batch_pdf(request: Request, job: str) -> Response:
        return posters.download(request, job)

    return router


def _pages_router(office: Office, home: Home, progress: ProgressPage) -> APIRouter:
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
    def overview(request: Request) -> Response:
        return home.page(request)

    @router.get("/progress")
    def progress_page(request: Request) -> Response:
        return progress.page(request)

    @router.get("/progress/events")
    async def progress_events(request: Request) -> Response:
        return await progress.events(request)

    return router

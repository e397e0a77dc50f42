"""The citizen web form at /q/<token>: landing page, one page per section, thank-you page.

Plain HTML forms with POST-redirect-GET, so it works with JavaScript off. Each page's answers
are committed before the redirect to the next page; the browser finds its response again
through a signed, HttpOnly cookie that holds its resume key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hailong.channels import landing_invitations
from hailong.counters.service import CounterAccess
from hailong.db import unit_of_work
from hailong.errors import BadInput
from hailong.models import ResponseStatus
from hailong.ratelimit import RateLimiter
from hailong.responses import timing
from hailong.responses.service import SurveyState
from hailong.survey import service as survey
from hailong.survey import steps
from hailong.survey.entries import Browser, CounterCode, Place, counter_access
from hailong.survey.steps import Finished, Page, Refused
from hailong.web.citizen import pages
from hailong.web.citizen.resume import Resume, ResumeCookie, new_key
from hailong.web.rendering import SCRIPT, STYLESHEET, Renderer, StaticFile, request_language
from survey_flows.layout import page_of

if TYPE_CHECKING:
    from hailong.context import AppContext

# A page has at most a few dozen fields; anything far beyond that is not our form.
MAX_FIELDS = 200
Posted = dict[str, list[str]]


async def posted_form(request: Request) -> Posted:
    """The posted fields as lists of strings; files are refused (our forms send none)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    posted: Posted = {}
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile):
            posted.setdefault(key, []).append(value)
    return posted


def landing_url(token: str) -> str:
    return f"/q/{token}"


def page_url(token: str, section_key: str) -> str:
    return f"/q/{token}/p/{section_key}"


def done_url(token: str) -> str:
    return f"/q/{token}/done"


class CitizenForm:
    """The handlers behind the routes, sharing the app's sessions, templates and cookie.

    Each handler draws what the survey session (hailong.survey) decides; none stores or
    checks anything itself.
    """

    def __init__(self, context: AppContext, limiter: RateLimiter) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.renderer = Renderer(context.settings, context.catalogs)
        self.cookie = ResumeCookie(context.settings)
        self.limiter = limiter
        self.promises = timing.PromiseCache()

    # Landing and start ---------------------------------------------------------------

    def landing(self, request: Request, token: str) -> Response:
        resume = self.cookie.read(request)
        with unit_of_work(self.sessions, read_only=True) as session:
            place = survey.visit(session, CounterCode(token=token))
            state = self._resumable(session, resume, place)
            target = None if state is None else steps.first_page(session, state)
            promise = self.promises.get(session, place.period.id) if target is None else None
        if isinstance(target, Page):
            return self.redirect(request, page_url(token, target.section.key) + "?resumed=1")
        access = place.access
        assert access is not None
        chats = landing_invitations(
            self.settings, request.app.state, token=token, short_code=access.token.short_code
        )
        page = self.renderer.render(
            request,
            "citizen/landing.html",
            {
                "unit_name": access.unit.name,
                "counter_name": access.counter.name,
                "short_code": access.token.short_code,
                "start_url": f"/q/{token}/start",
                "start_id": str(uuid.uuid4()),
                "chats": chats,
                "minutes": promise.minutes if promise else timing.DEFAULT_MINUTES,
            },
        )
        if resume is None:
            # The browser's secret, made before "start" so a double tap carries it twice.
            self.cookie.write(page, Resume(key=new_key(), public_id=None))
        return page

    def _resumable(
        self, session: Session, resume: Resume | None, place: Place
    ) -> SurveyState | None:
        """The browser's unfinished response of this counter in the period open today."""
        if resume is None or resume.public_id is None or place.counter is None:
            return None
        state = survey.resume_browser(
            session, public_id=resume.public_id, resume_key=resume.key, counter_id=place.counter.id
        )
        if state is None or state.response.status != ResponseStatus.in_progress:
            return None
        return state if state.response.period_id == place.period.id else None

    def start(self, request: Request, token: str, posted: Posted) -> Response:
        start_id = parse_start_id(_first(posted, "start_id"))
        key = self.cookie.key_of(request)
        try:
            target, public_id = self._start(request, token, Browser(start_id, key))
        except IntegrityError:
            # Two taps raced on PostgreSQL and the other one inserted first: take its response.
            target, public_id = self._start(request, token, Browser(start_id, key))
        response = self.redirect(request, target)
        self.cookie.write(response, Resume(key=key, public_id=public_id))
        return response

    def _start(self, request: Request, token: str, browser: Browser) -> tuple[str, str]:
        gate = survey.Gate(
            limiter=self.limiter, network=request.client.host if request.client else "unknown"
        )
        with unit_of_work(self.sessions) as session:
            started = survey.start(
                session,
                CounterCode(token=token),
                browser,
                secret=self.settings.secret(),
                language=request_language(request),
                gate=gate,
            )
            target = self._url(token, steps.first_page(session, started.state))
            return target, started.state.response.public_id

    # Pages ---------------------------------------------------------------------------

    def show_page(self, request: Request, token: str, section_key: str) -> Response:
        with unit_of_work(self.sessions, read_only=True) as session:
            found = self._response(session, self.cookie.read(request), token)
            if isinstance(found, str):
                return self.redirect(request, found)
            access, state = found
            survey.ensure_may_answer(session, state)
            shown = steps.page_to_show(session, state, section_key)
            if not isinstance(shown, Page) or shown.section.key != section_key:
                return self.redirect(request, self._url(token, shown))
            stored = pages.stored_as_posted(shown.questions, state.answers)
            values = self._page_values(request, token, access, shown, stored, {})
        return self.renderer.render(request, "citizen/page.html", values)

    def submit_page(
        self, request: Request, token: str, section_key: str, posted: Posted
    ) -> Response:
        resume = self.cookie.read(request)
        with unit_of_work(self.sessions) as session:
            found = self._response(session, resume, token, for_update=True)
            if isinstance(found, str):
                return self.redirect(request, found)
            access, state = found
            step = survey.answer_page(session, state, section_key, posted)
            if isinstance(step, Refused):
                # Nothing of this page is stored: the citizen sees it again with the reasons.
                page_layout = page_of(state.questionnaire, section_key)
                assert page_layout is not None  # answer_page refused a page that exists
                shown = steps.page_step(session, state, page_layout)
                problems = {k: pages.problem_message(v) for k, v in step.problems.items()}
                page = self._page_values(request, token, access, shown, posted, problems)
        if isinstance(step, Refused):
            return self.renderer.render(request, "citizen/page.html", page, status_code=422)
        response = self.redirect(request, self._url(token, step))
        if resume is not None:
            self.cookie.refresh(response, resume)
        return response

    def done(self, request: Request, token: str) -> Response:
        with unit_of_work(self.sessions, read_only=True) as session:
            found = self._response(session, self.cookie.read(request), token)
            if isinstance(found, str):
                return self.redirect(request, found)
            access, state = found
            finished = steps.finished(state)
            if finished is None:
                return self.redirect(request, self._url(token, steps.first_page(session, state)))
        return self.renderer.render(
            request,
            "citizen/done.html",
            {"unit_name": access.unit.name, "screened_out": finished.screened_out},
        )

    # Helpers -------------------------------------------------------------------------

    def _response(
        self, session: Session, resume: Resume | None, token: str, *, for_update: bool = False
    ) -> tuple[CounterAccess, SurveyState] | str:
        """The counter and the browser's response at it (by the cookie's `resume`), or the
        landing page to go to."""
        state = None
        if resume is not None and resume.public_id is not None:
            # The response first: its query brings the reference data's version along, so
            # the counter below usually comes from the cache without another round trip.
            state = survey.browser_state(
                session, public_id=resume.public_id, resume_key=resume.key, for_update=for_update
            )
        access = counter_access(session, CounterCode(token=token))  # 404/410 pages
        if state is None or state.response.counter_id != access.counter.id:
            return landing_url(token)
        return access, state

    def _url(self, token: str, step: Page | Finished) -> str:
        return page_url(token, step.section.key) if isinstance(step, Page) else done_url(token)

    def _page_values(
        self,
        request: Request,
        token: str,
        access: CounterAccess,
        page: Page,
        shown: Mapping[str, Sequence[str]],
        problems: Mapping[str, str],
    ) -> dict[str, Any]:
        return page_values(
            self.renderer,
            request,
            access.unit.name,
            page,
            shown,
            problems,
            lambda key: page_url(token, key),
        )

    def redirect(self, request: Request, url: str) -> Response:
        return see_other(self.renderer, request, url)

    def typed_code(self, request: Request, code: str) -> Response:
        """The poster's short address: on to the counter's landing page, as the QR code goes."""
        with self.sessions() as session:
            # 404/410 pages, as for a token
            access = counter_access(session, CounterCode(short_code=code))
        return self.redirect(request, landing_url(access.token.token))

    def static(self, name: str) -> Response:
        served: StaticFile | None = self.renderer.static_files().get(name)
        if served is None:
            return Response(status_code=404)
        return Response(
            served.text,
            media_type=served.media_type,
            # The URL carries the content's hash, so the file never changes under it.
            headers={"cache-control": "public, max-age=31536000, immutable"},
        )


def parse_start_id(raw: str | None) -> str:
    """The landing page's one-time id: a double tap on "start" makes one response."""
    try:
        return str(uuid.UUID(raw or ""))
    except ValueError:
        raise BadInput() from None


def _first(posted: Posted, key: str) -> str | None:
    values = posted.get(key)
    return values[0] if values else None


def citizen_router(context: AppContext) -> APIRouter:
    """The web form's routes, bound to this app's context."""
    form = CitizenForm(context, context.limiter)
    router = APIRouter()

    @router.get(f"/static/{STYLESHEET}", include_in_schema=False)
    def stylesheet() -> Response:
        return form.static(STYLESHEET)

    @router.get(f"/static/{SCRIPT}", include_in_schema=False)
    def script() -> Response:
        return form.static(SCRIPT)

    @router.get("/c/{code}")
    def typed_code(request: Request, code: str) -> Response:
        return form.typed_code(request, code)

    @router.get("/q/{token}")
    def landing(request: Request, token: str) -> Response:
        return form.landing(request, token)

    # The two POSTs every citizen sends are plain routes: FastAPI's parameter and dependency
    # machinery cost as much as a page's answers do, for two path segments and a form.
    async def start(request: Request) -> Response:
        posted = await posted_form(request)
        token = request.path_params["token"]
        return await run_in_threadpool(form.start, request, token, posted)

    router.add_route("/q/{token}/start", start, methods=["POST"])

    @router.get("/q/{token}/start")
    def start_again(request: Request, token: str) -> Response:
        # A reload or a shared link of the start address: show the landing page instead.
        return form.redirect(request, landing_url(token))

    @router.get("/q/{token}/p/{section_key}")
    def show_page(request: Request, token: str, section_key: str) -> Response:
        return form.show_page(request, token, section_key)

    async def submit_page(request: Request) -> Response:
        posted = await posted_form(request)
        token, section_key = request.path_params["token"], request.path_params["section_key"]
        return await run_in_threadpool(form.submit_page, request, token, section_key, posted)

    router.add_route("/q/{token}/p/{section_key}", submit_page, methods=["POST"])

    @router.get("/q/{token}/done")
    def done(request: Request, token: str) -> Response:
        return form.done(request, token)

    return router


def page_values(
    renderer: Renderer,
    request: Request,
    unit_name: str,
    page: Page,
    shown: Mapping[str, Sequence[str]],
    problems: Mapping[str, str],
    url_of: Callable[[str], str],
) -> dict[str, Any]:
    """What citizen/page.html draws for a page, whichever way the citizen came in."""
    language = request_language(request)
    section = page.section
    return {
        "unit_name": unit_name,
        "title": section.title.get(language),
        "parts": pages.parts(
            page.section_questions(),
            shown,
            problems,
            language=language,
            gettext=lambda message: renderer.gettext(language, message),
            procedures=page.procedures,
        ),
        "legend": pages.legend(page.questions, language),
        "skippable": survey.skippable(page.questions),
        "skip_name": survey.SKIP_PAGE,
        "page_number": page.number,
        "page_total": page.total,
        "action_url": url_of(section.key),
        "back_url": url_of(page.back.key) if page.back else None,
        "resumed": request.query_params.get("resumed") == "1",
        "has_errors": bool(problems),
        "script_url": renderer.script.url,
    }


def see_other(renderer: Renderer, request: Request, url: str) -> Response:
    """A 303 to the citizen's next page: never cached, and keeping the language chosen."""
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    renderer.remember_language(request, response)
    return response

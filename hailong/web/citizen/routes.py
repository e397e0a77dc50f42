"""The citizen web form at /q/<token>: landing page, one page per section, thank-you page.

Plain HTML forms with POST-redirect-GET, so it works with JavaScript off. Each page's answers
are committed before the redirect to the next page; the browser finds its response again
through a signed cookie.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from hailong.counters.service import CounterAccess, resolve_short_code, resolve_token
from hailong.db import unit_of_work
from hailong.models import ResponseStatus
from hailong.ratelimit import RateLimiter
from hailong.responses import service as responses
from hailong.responses.service import SurveyState
from hailong.web.citizen import pages, survey
from hailong.web.citizen.resume import ResumeCookie
from hailong.web.rendering import STYLESHEET, Renderer, request_language
from qr.tokens import start_payload
from survey_flows import QuestionKind, Section
from survey_flows.engine import next_section

if TYPE_CHECKING:
    from hailong.app import AppContext

# Generous: a ward hall's visitors often share one public IP address.
STARTS_PER_HOUR = 60
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
    """The handlers behind the routes, sharing the app's sessions, templates and cookie."""

    def __init__(self, context: AppContext, limiter: RateLimiter) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.renderer = Renderer(context.settings, context.catalogs)
        self.cookie = ResumeCookie(context.settings)
        self.limiter = limiter

    # Landing and start ---------------------------------------------------------------

    def landing(self, request: Request, token: str) -> Response:
        with unit_of_work(self.sessions) as session:
            here = survey.visit(session, token)
            state = survey.resumable(session, here, self.cookie.read(request))
            target = None if state is None else next_section(state.questionnaire, state.answers)
        if target is not None:
            return self.redirect(request, page_url(token, target.key) + "?resumed=1")
        access = here.access
        username = getattr(request.app.state, "telegram_username", None)
        telegram_url = f"https://t.me/{username}?start={start_payload(token)}" if username else None
        return self.renderer.render(
            request,
            "citizen/landing.html",
            {
                "unit_name": access.unit.name,
                "counter_name": access.counter.name,
                "short_code": access.token.short_code,
                "start_url": f"/q/{token}/start",
                "start_id": str(uuid.uuid4()),
                "telegram_url": telegram_url,
            },
        )

    def start(self, request: Request, token: str, posted: Posted) -> Response:
        start_id = survey.parse_start_id(_first(posted, "start_id"))
        try:
            target = self._start(request, token, start_id)
        except IntegrityError:
            # Two taps raced on PostgreSQL and the other one inserted first: take its response.
            target = self._start(request, token, start_id)
        response = self.redirect(request, target)
        self.cookie.write(response, start_id)
        return response

    def _start(self, request: Request, token: str, start_id: str) -> str:
        with unit_of_work(self.sessions) as session:
            here = survey.visit(session, token)
            if survey.existing_start(session, here, start_id) is None:
                self._limit_starts(request, here)
            response = survey.start(
                session, here, start_id=start_id, language=request_language(request)
            )
            return self._where_next(token, responses.load(session, response))

    def _limit_starts(self, request: Request, here: survey.Visit) -> None:
        client = request.client.host if request.client else "unknown"
        key = f"web-start:{client}:{here.access.counter.id}"
        if not self.limiter.hit(key, limit=STARTS_PER_HOUR, window_seconds=3600):
            raise survey.TooManyStarts()

    # Pages ---------------------------------------------------------------------------

    def show_page(self, request: Request, token: str, section_key: str) -> Response:
        with unit_of_work(self.sessions) as session:
            found = self._page_state(session, request, token, section_key)
            if isinstance(found, str):
                return self.redirect(request, found)
            access, state, section = found
            values = self._page_values(
                session,
                request,
                token,
                access,
                state,
                section,
                shown=pages.stored_as_posted(
                    pages.questions_of(state.questionnaire, section, state.answers),
                    state.answers,
                ),
                problems={},
            )
        return self.renderer.render(request, "citizen/page.html", values)

    def submit_page(
        self, request: Request, token: str, section_key: str, posted: Posted
    ) -> Response:
        with unit_of_work(self.sessions) as session:
            found = self._page_state(session, request, token, section_key, for_update=True)
            if isinstance(found, str):
                return self.redirect(request, found)
            access, state, section = found
            questions = pages.questions_of(state.questionnaire, section, state.answers)
            procedures = self._procedures(session, access, questions)
            values, problems = pages.read_page(questions, posted, procedures)
            if problems:
                # Nothing of this page is stored: the citizen sees it again with the reasons.
                page = self._page_values(
                    session, request, token, access, state, section, posted, problems
                )
            else:
                responses.save_answers(session, state, values)
                target = self._where_next(token, state, after=section.key)
        if problems:
            return self.renderer.render(request, "citizen/page.html", page, status_code=422)
        response = self.redirect(request, target)
        self.cookie.write(response, state.response.public_id)
        return response

    def done(self, request: Request, token: str) -> Response:
        with unit_of_work(self.sessions) as session:
            access = resolve_token(session, token)
            state = survey.response_here(session, access, self.cookie.read(request))
            if state is None:
                return self.redirect(request, landing_url(token))
            if state.response.status == ResponseStatus.in_progress:
                return self.redirect(request, self._where_next(token, state))
        return self.renderer.render(
            request,
            "citizen/done.html",
            {
                "unit_name": access.unit.name,
                "screened_out": state.response.status == ResponseStatus.screened_out,
            },
        )

    # Helpers -------------------------------------------------------------------------

    def _page_state(
        self,
        session: Session,
        request: Request,
        token: str,
        section_key: str,
        *,
        for_update: bool = False,
    ) -> tuple[CounterAccess, SurveyState, Section] | str:
        """The response and page to work on, or where to send the browser instead."""
        access = resolve_token(session, token)
        state = survey.response_here(
            session, access, self.cookie.read(request), for_update=for_update
        )
        if state is None:
            return landing_url(token)
        if state.response.status != ResponseStatus.in_progress:
            return done_url(token)
        survey.ensure_period_open(session, state.response)
        section = pages.reachable(state.questionnaire, state.answers, section_key)
        if section is None:
            return self._where_next(token, state)
        return access, state, section

    def _where_next(self, token: str, state: SurveyState, *, after: str | None = None) -> str:
        if state.response.status != ResponseStatus.in_progress:
            return done_url(token)
        questionnaire, answers = state.questionnaire, state.answers
        section = (
            pages.page_after(questionnaire, answers, after)
            if after is not None
            else next_section(questionnaire, answers)
        )
        return done_url(token) if section is None else page_url(token, section.key)

    def _procedures(
        self, session: Session, access: CounterAccess, questions: Sequence[Any]
    ) -> list[tuple[str, str, str]]:
        if not any(q.kind is QuestionKind.procedure for q in questions):
            return []
        return survey.procedure_choices(session, access.unit.id)

    def _page_values(
        self,
        session: Session,
        request: Request,
        token: str,
        access: CounterAccess,
        state: SurveyState,
        section: Section,
        shown: Mapping[str, Sequence[str]],
        problems: Mapping[str, str],
    ) -> dict[str, Any]:
        questionnaire, answers = state.questionnaire, state.answers
        language = request_language(request)
        questions = pages.questions_of(questionnaire, section, answers)
        number, total = pages.page_number(questionnaire, answers, section.key)
        back = pages.previous_page(questionnaire, answers, section.key)
        return {
            "unit_name": access.unit.name,
            "title": section.title.get(language),
            "intro": section.intro.get(language) if section.intro else None,
            "fields": pages.field_views(
                questions,
                shown,
                problems,
                language=language,
                gettext=lambda message: self.renderer.gettext(language, message),
                procedures=self._procedures(session, access, questions),
            ),
            "page_number": number,
            "page_total": total,
            "action_url": page_url(token, section.key),
            "back_url": page_url(token, back.key) if back else None,
            "resumed": request.query_params.get("resumed") == "1",
            "has_errors": bool(problems),
        }

    def redirect(self, request: Request, url: str) -> Response:
        response = RedirectResponse(url, status_code=303)
        response.headers["cache-control"] = "no-store"
        self.renderer.remember_language(request, response)
        return response

    def typed_code(self, request: Request, code: str) -> Response:
        """The poster's short address: on to the counter's landing page, as the QR code goes."""
        with self.sessions() as session:
            access = resolve_short_code(session, code)  # 404/410 pages, as for a token
        return self.redirect(request, landing_url(access.token.token))

    def stylesheet(self) -> Response:
        return Response(
            self.renderer.stylesheet.text,
            media_type="text/css",
            # The URL carries the content's hash, so the file never changes under it.
            headers={"cache-control": "public, max-age=31536000, immutable"},
        )


def _first(posted: Posted, key: str) -> str | None:
    values = posted.get(key)
    return values[0] if values else None


def citizen_router(context: AppContext) -> APIRouter:
    """The web form's routes, bound to this app's context."""
    form = CitizenForm(context, context.limiter)
    router = APIRouter()

    @router.get(f"/static/{STYLESHEET}", include_in_schema=False)
    def stylesheet() -> Response:
        return form.stylesheet()

    @router.get("/c/{code}")
    def typed_code(request: Request, code: str) -> Response:
        return form.typed_code(request, code)

    @router.get("/q/{token}")
    def landing(request: Request, token: str) -> Response:
        return form.landing(request, token)

    @router.post("/q/{token}/start")
    def start(request: Request, token: str, posted: Posted = Depends(posted_form)) -> Response:
        return form.start(request, token, posted)

    @router.get("/q/{token}/start")
    def start_again(request: Request, token: str) -> Response:
        # A reload or a shared link of the start address: show the landing page instead.
        return form.redirect(request, landing_url(token))

    @router.get("/q/{token}/p/{section_key}")
    def show_page(request: Request, token: str, section_key: str) -> Response:
        return form.show_page(request, token, section_key)

    @router.post("/q/{token}/p/{section_key}")
    def submit_page(
        request: Request, token: str, section_key: str, posted: Posted = Depends(posted_form)
    ) -> Response:
        return form.submit_page(request, token, section_key, posted)

    @router.get("/q/{token}/done")
    def done(request: Request, token: str) -> Response:
        return form.done(request, token)

    return router

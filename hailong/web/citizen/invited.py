"""The web form behind an e-mail invitation's link, at /i/<token>.

The same pages as a counter's form, with the unit and procedure known from the invitation
(the procedure page is never shown) and channel `email`. The link itself is the respondent's
key: it opens one response, resumed until it is sent; after that the link says politely that
the survey was answered. Opening the link (GET) starts nothing, so a mail scanner that
follows it uses nothing up; "Start" (POST) does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.db import unit_of_work
from hailong.models import Procedure, ResponseStatus, Unit
from hailong.models import Response as SurveyResponse
from hailong.responses import service as responses
from hailong.responses.service import ResponseFinished, SurveyState
from hailong.survey import invitations, steps
from hailong.survey import service as survey
from hailong.survey.entries import Browser, InvitationLink
from hailong.survey.steps import Finished, Page, Refused
from hailong.web.citizen import pages
from hailong.web.citizen.resume import Resume, ResumeCookie, new_key
from hailong.web.citizen.routes import (
    Posted,
    page_values,
    parse_start_id,
    posted_form,
    see_other,
)
from hailong.web.rendering import Renderer, request_language
from survey_flows.layout import page_of

if TYPE_CHECKING:
    from hailong.context import AppContext


def landing_url(token: str) -> str:
    return f"/i/{token}"


def page_url(token: str, section_key: str) -> str:
    return f"/i/{token}/p/{section_key}"


def done_url(token: str) -> str:
    return f"/i/{token}/done"


class InvitedForm:
    def __init__(self, context: AppContext) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.renderer = Renderer(context.settings, context.catalogs)
        self.cookie = ResumeCookie(context.settings)

    def landing(self, request: Request, token: str) -> Response:
        with unit_of_work(self.sessions) as session:
            invitation = invitations.find(session, secret=self.settings.secret(), token=token)
            state = self._state(session, invitation.response_id)
            if state is not None:
                if state.response.status != ResponseStatus.in_progress:
                    raise ResponseFinished()
                target = steps.first_page(session, state)
                return self.redirect(request, self._url(token, target) + "?resumed=1")
            invitations.ensure_unexpired(invitation)
            unit = session.get_one(Unit, invitation.unit_id)
            procedure = session.scalar(
                select(Procedure.name).where(Procedure.code == invitation.procedure_code)
            )
            values = {
                "unit_name": unit.name,
                "procedure_name": procedure or invitation.procedure_code,
                "start_url": f"/i/{token}/start",
                "start_id": str(uuid.uuid4()),
            }
        page = self.renderer.render(request, "citizen/invited.html", values)
        if self.cookie.read(request) is None:
            self.cookie.write(page, Resume(key=new_key(), public_id=None))
        return page

    def start(self, request: Request, token: str, posted: Posted) -> Response:
        start_id = parse_start_id((posted.get("start_id") or [""])[0])
        key = self.cookie.key_of(request)
        with unit_of_work(self.sessions) as session:
            started = survey.start(
                session,
                InvitationLink(token),
                Browser(start_id, key),
                secret=self.settings.secret(),
                language=request_language(request),
            )
            target = self._url(token, steps.first_page(session, started.state))
            public_id = started.state.response.public_id
        response = self.redirect(request, target)
        self.cookie.write(response, Resume(key=key, public_id=public_id))
        return response

    def show_page(self, request: Request, token: str, section_key: str) -> Response:
        with unit_of_work(self.sessions) as session:
            found = self._response(session, token)
            if isinstance(found, str):
                return self.redirect(request, found)
            unit, state = found
            survey.ensure_may_answer(session, state)
            shown = steps.page_to_show(session, state, section_key)
            if not isinstance(shown, Page) or shown.section.key != section_key:
                return self.redirect(request, self._url(token, shown))
            stored = pages.stored_as_posted(shown.questions, state.answers)
            values = self._page_values(request, token, unit, shown, stored, {})
        return self.renderer.render(request, "citizen/page.html", values)

    def submit_page(
        self, request: Request, token: str, section_key: str, posted: Posted
    ) -> Response:
        with unit_of_work(self.sessions) as session:
            found = self._response(session, token)
            if isinstance(found, str):
                return self.redirect(request, found)
            unit, state = found
            step = survey.answer_page(session, state, section_key, posted)
            if isinstance(step, Refused):
                page_layout = page_of(state.questionnaire, section_key)
                assert page_layout is not None  # answer_page refused a page that exists
                shown = steps.page_step(session, state, page_layout)
                problems = {k: pages.problem_message(v) for k, v in step.problems.items()}
                page = self._page_values(request, token, unit, shown, posted, problems)
        if isinstance(step, Refused):
            return self.renderer.render(request, "citizen/page.html", page, status_code=422)
        return self.redirect(request, self._url(token, step))

    def done(self, request: Request, token: str) -> Response:
        with unit_of_work(self.sessions) as session:
            found = self._response(session, token)
            if isinstance(found, str):
                return self.redirect(request, found)
            unit, state = found
            finished = steps.finished(state)
            if finished is None:
                return self.redirect(request, self._url(token, steps.first_page(session, state)))
        return self.renderer.render(
            request,
            "citizen/done.html",
            {"unit_name": unit.name, "screened_out": finished.screened_out},
        )

    # Helpers -------------------------------------------------------------------------

    def _state(self, session: Session, response_id: int | None) -> SurveyState | None:
        response = None if response_id is None else session.get(SurveyResponse, response_id)
        if response is None or response.status == ResponseStatus.abandoned:
            return None
        return responses.load(session, response)

    def _response(self, session: Session, token: str) -> tuple[Unit, SurveyState] | str:
        """The invitation's unit and response (the link locks it: two taps take turns), or
        the landing page to go to."""
        invitation = invitations.find(session, secret=self.settings.secret(), token=token)
        state = self._state(session, invitation.response_id)
        if state is None:
            return landing_url(token)
        return session.get_one(Unit, invitation.unit_id), state

    def _url(self, token: str, step: Page | Finished) -> str:
        return page_url(token, step.section.key) if isinstance(step, Page) else done_url(token)

    def _page_values(
        self,
        request: Request,
        token: str,
        unit: Unit,
        page: Page,
        shown: Mapping[str, Sequence[str]],
        problems: Mapping[str, str],
    ) -> dict[str, Any]:
        return page_values(
            self.renderer,
            request,
            unit.name,
            page,
            shown,
            problems,
            lambda key: page_url(token, key),
        )

    def redirect(self, request: Request, url: str) -> Response:
        return see_other(self.renderer, request, url)


def invited_router(context: AppContext) -> APIRouter:
    """The invitation link's routes, bound to this app's context."""
    form = InvitedForm(context)
    router = APIRouter()

    @router.get("/i/{token}")
    def landing(request: Request, token: str) -> Response:
        return form.landing(request, token)

    @router.post("/i/{token}/start")
    def start(request: Request, token: str, posted: Posted = Depends(posted_form)) -> Response:
        return form.start(request, token, posted)

    @router.get("/i/{token}/p/{section_key}")
    def show_page(request: Request, token: str, section_key: str) -> Response:
        return form.show_page(request, token, section_key)

    @router.post("/i/{token}/p/{section_key}")
    def submit_page(
        request: Request, token: str, section_key: str, posted: Posted = Depends(posted_form)
    ) -> Response:
        return form.submit_page(request, token, section_key, posted)

    @router.get("/i/{token}/done")
    def done(request: Request, token: str) -> Response:
        return form.done(request, token)

    return router

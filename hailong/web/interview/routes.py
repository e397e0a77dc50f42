"""The enumerator's interview pages at /interview/, made to keep working offline.

One page (cached by a service worker with the questionnaire and the enumerator's units) runs
the questionnaire on the phone; each finished interview waits in the phone's IndexedDB
under an id made there, and is POSTed as JSON to /interview/responses when the network is
there. The server stores each id once (hailong.enumerators.interviews): a re-sent finished
interview answers 200, so a retry never makes a second response.

The JSON endpoint takes the office's session cookie (SameSite=Lax) and JSON bodies only: a
form of another site can send neither.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hailong.accounts.scope import Action, Actor, may_do
from hailong.db import unit_of_work
from hailong.enumerators import interviews, service
from hailong.errors import BadInput, HailongError
from hailong.i18n import N_
from hailong.models import Counter
from hailong.periods.service import open_period, today_in_vietnam
from hailong.questionnaires.service import questionnaire_by_id
from hailong.survey import steps
from hailong.web.callers import Callers, NotSignedIn
from hailong.web.rendering import Renderer, request_language
from survey_flows.questionnaire import OTHER_PROCEDURE

if TYPE_CHECKING:
    from hailong.context import AppContext

HOME = "/interview/"
# Words of the page that its script shows; translated here, sent with the questionnaire.
WORDS = {
    "unit": N_("Unit"),
    "counter": N_("Counter"),
    "procedure": N_("Procedure"),
    "other_procedure": N_("Another procedure, not in this list"),
    "start": N_("Start the interview"),
    "next": N_("Next"),
    "back": N_("Back"),
    "finish": N_("Finish the interview"),
    "skip": N_("I prefer not to answer"),
    "required": N_("Please answer this question."),
    "read_aloud": N_("Read each question to the respondent and mark their answer."),
    "saved": N_("Thank you! The interview is saved on this phone."),
    "next_respondent": N_("Next respondent"),
    "queue": N_("Interviews on this phone"),
    "queued": N_("waiting to be sent"),
    "sent": N_("sent"),
    "refused": N_("refused"),
    "sign_in": N_("Your session has ended: sign in again to send the waiting interviews."),
    "offline": N_("No network: the interviews are kept on this phone and sent later."),
    "no_storage": N_(
        "This browser offers no storage here (a private window?): interviews cannot wait on "
        "this phone, so they work only while the network is there."
    ),
    "not_sent": N_("Not sent: no network. Please try again when the network is back."),
    "no_units": N_("You are not assigned to any unit yet. Ask the office to assign you."),
    "page_of": N_("Page {n} of {total}"),
}


class InterviewIn(BaseModel):
    client_id: str = Field(max_length=64)
    unit_id: int
    counter_id: int
    procedure_code: str = Field(max_length=64)
    answers: dict[str, str | list[str] | None] = Field(max_length=200)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    language: str = Field(default="vi", max_length=8)


class InterviewPages:
    def __init__(self, context: AppContext, callers: Callers) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.catalogs = context.catalogs
        self.renderer = Renderer(context.settings, context.catalogs)
        self.callers = callers

    def enumerator(self, request: Request) -> Actor | None:
        actor = self.callers.optional(request)
        if actor is None or actor.via != "session" or not may_do(actor, Action.run_interviews):
            return None
        return actor

    def page(self, request: Request) -> Response:
        if self.enumerator(request) is None:
            return RedirectResponse(f"/office/login?next={HOME}", status_code=303)
        return self.renderer.render(request, "interview/app.html", {})

    def setup(self, request: Request) -> Response:
        actor = self.enumerator(request)
        if actor is None:
            return self.error(request, NotSignedIn())
        language = request_language(request)
        with unit_of_work(self.sessions) as session:
            period = open_period(session, today_in_vietnam())
            questionnaire = questionnaire_by_id(session, period.questionnaire_id)
            units = []
            for unit in service.assigned_units(session, actor.account_id):
                counters = session.scalars(
                    select(Counter)
                    .where(Counter.unit_id == unit.id, Counter.active.is_(True))
                    .order_by(Counter.name)
                )
                procedures = steps.procedure_choices(session, unit.id)
                units.append(
                    {
                        "id": unit.id,
                        "name": unit.name,
                        "counters": [{"id": c.id, "name": c.name} for c in counters],
                        "procedures": [{"code": p.code, "name": p.name} for p in procedures],
                    }
                )
        words = {key: self.catalogs.gettext(language, text) for key, text in WORDS.items()}
        return JSONResponse(
            {
                "language": language,
                "enumerator": actor.username,
                "period": period.code,
                "other_procedure": OTHER_PROCEDURE,
                "questionnaire": questionnaire.model_dump(mode="json"),
                "units": units,
                "words": words,
            }
        )

    async def receive(self, request: Request) -> Response:
        actor = self.enumerator(request)
        if actor is None:
            return self.error(request, NotSignedIn())
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return self.error(request, BadInput())
        try:
            sent = InterviewIn.model_validate_json(await request.body())
        except ValidationError:
            return self.error(request, BadInput())
        interview = interviews.Interview(**sent.model_dump())
        try:
            recorded = self._record(actor, interview)
        except interviews.InterviewRefused as refused:
            problems = {key: invalid.reason for key, invalid in refused.problems.items()}
            return self.error(request, refused, problems=problems)
        except HailongError as error:
            return self.error(request, error)
        body = {"public_id": recorded.public_id, "status": recorded.status.value}
        return JSONResponse(
            {**body, "received": "now" if recorded.created else "before"},
            status_code=201 if recorded.created else 200,
        )

    def _record(self, actor: Actor, interview: interviews.Interview) -> interviews.Recorded:
        for attempt in range(2):
            try:
                with unit_of_work(self.sessions) as session:
                    return interviews.record(
                        session,
                        interview,
                        enumerator_id=actor.account_id,
                        secret=self.settings.secret(),
                    )
            except IntegrityError:
                # The same interview sent twice at once: the second finds the first.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def error(
        self, request: Request, error: HailongError, *, problems: dict[str, str] | None = None
    ) -> JSONResponse:
        message = {language: error.text(language) for language in ("vi", "en")}
        body: dict[str, Any] = {"error": {"message": message}}
        if problems:
            body["error"]["problems"] = problems
        return JSONResponse(body, status_code=error.status_code)


def _script(name: str) -> Response:
    text = resources.files("hailong").joinpath("static", name).read_text(encoding="utf-8")
    # Checked again at each load: a new version reaches the phones at their next visit.
    return Response(text, media_type="text/javascript", headers={"cache-control": "no-cache"})


def interview_router(context: AppContext, callers: Callers) -> APIRouter:
    pages = InterviewPages(context, callers)
    router = APIRouter(prefix="/interview", include_in_schema=False)

    @router.get("/")
    def page(request: Request) -> Response:
        return pages.page(request)

    @router.get("/setup.json")
    def setup(request: Request) -> Response:
        return pages.setup(request)

    @router.post("/responses")
    async def receive(request: Request) -> Response:
        return await pages.receive(request)

    @router.get("/app.js")
    def app_script() -> Response:
        return _script("interview.js")

    @router.get("/sw.js")
    def service_worker() -> Response:
        return _script("interview-sw.js")

    return router

"""The office's pages for the plans' two official modes, at /office/enumerators (interviews
per enumerator, unit and day, median interview time, and assignments) and
/office/invitations (e-mail invitations per unit). Scoped: an official sees the units of
their subtree only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hailong.accounts.scope import Action, Actor, NotAllowed, may_do, reaches, unit_in_scope
from hailong.db import unit_of_work
from hailong.enumerators import service, stats
from hailong.enumerators.stats import chosen_period
from hailong.errors import HailongError
from hailong.invitations import stats as invitation_stats
from hailong.models import Account, EnumeratorTie, Role, Unit
from hailong.web.callers import Callers, client_address
from hailong.web.office.csrf import CSRF_FIELD, Csrf
from hailong.web.office.pages import Navigation, OfficePages
from hailong.web.office.routes import LOGIN_URL, binding_of, posted_fields, redirect
from hailong.web.rendering import other_language, request_language

if TYPE_CHECKING:
    from hailong.context import AppContext

PAGE = "/office/enumerators"


class ModesPages:
    def __init__(self, context: AppContext, callers: Callers) -> None:
        self.settings = context.settings
        self.sessions = context.sessions
        self.callers = callers
        self.csrf = Csrf(context.settings)
        self.frame = OfficePages(context, callers, Navigation())

    def actor(self, request: Request) -> Actor | None:
        actor = self.callers.optional(request)
        return actor if actor is not None and actor.via == "session" else None

    def render(
        self,
        request: Request,
        actor: Actor,
        template: str,
        values: Mapping[str, Any],
        *,
        status_code: int = 200,
    ) -> Response:
        # In the office's frame (navigation, sign-out, its stylesheet), like every office page.
        return self.frame.render(request, actor, template, values, status_code=status_code)

    # Interviews and assignments ------------------------------------------------------

    def enumerators(self, request: Request, error: HailongError | None = None) -> Response:
        actor = self.actor(request)
        if actor is None:
            return redirect(f"{LOGIN_URL}?next={PAGE}")
        if not may_do(actor, Action.view_progress):
            raise NotAllowed()
        with unit_of_work(self.sessions) as session:
            period = chosen_period(session, request.query_params.get("period"))
            found = stats.interview_stats(session, actor, period)
            accounts = self._enumerators(session, actor)
        language = request_language(request)
        values = {
            "period": period.code,
            "summaries": found.summaries,
            "days": found.days,
            "accounts": accounts,
            "may_assign": may_do(actor, Action.manage_enumerators),
            "done": request.query_params.get("done") == "1",
            "error": error.text(language) if error else None,
            "error_other": error.text(other_language(language)) if error else None,
        }
        status = error.status_code if error else 200
        return self.render(request, actor, "office/enumerators.html", values, status_code=status)

    def _enumerators(self, session: Session, actor: Actor) -> list[dict[str, Any]]:
        """Enumerator accounts of the actor's units (an admin: all), with their units."""
        accounts = session.scalars(
            select(Account).where(Account.role == Role.enumerator).order_by(Account.username)
        ).all()
        shown = []
        for account in accounts:
            unit = session.get(Unit, account.unit_id) if account.unit_id else None
            if actor.role is not Role.admin and (unit is None or not reaches(actor, unit)):
                continue
            tied = service.ties(session, account.id)
            shown.append(
                {
                    "username": account.username,
                    "assigned": [t for t in tied if t.tie is EnumeratorTie.assigned],
                    "own": [t for t in tied if t.tie is EnumeratorTie.own],
                }
            )
        return shown

    async def assign(self, request: Request) -> Response:
        posted = await posted_fields(request)
        actor = await run_in_threadpool(self.actor, request)
        self.csrf.verify(request, posted.get(CSRF_FIELD), binding=binding_of(actor))
        if actor is None:
            return redirect(f"{LOGIN_URL}?next={PAGE}")
        try:
            await run_in_threadpool(self._assign, request, actor, posted)
        except HailongError as error:
            return await run_in_threadpool(self.enumerators, request, error)
        return redirect(f"{PAGE}?done=1")

    def _assign(self, request: Request, actor: Actor, posted: Mapping[str, str]) -> None:
        with unit_of_work(self.sessions) as session:
            unit = unit_in_scope(
                session, actor, posted.get("unit_code", "").strip(), Action.manage_enumerators
            )
            account = service.enumerator(session, posted.get("username", ""))
            home = session.get(Unit, account.unit_id) if account.unit_id else None
            if actor.role is not Role.admin and (home is None or not reaches(actor, home)):
                raise service.NotAnEnumerator(username=account.username)
            who = actor.who(client_address(request))
            if posted.get("tie") == EnumeratorTie.own:
                service.declare_own(session, account, unit, by=who)
            else:
                service.assign(session, account, unit, by=who)

    # Invitations ---------------------------------------------------------------------

    def invitations(self, request: Request) -> Response:
        actor = self.actor(request)
        if actor is None:
            return redirect(f"{LOGIN_URL}?next=/office/invitations")
        if not may_do(actor, Action.view_progress):
            raise NotAllowed()
        with unit_of_work(self.sessions) as session:
            period = chosen_period(session, request.query_params.get("period"))
            rows = invitation_stats.per_unit(session, actor, period)
        values = {"period": period.code, "rows": rows}
        return self.render(request, actor, "office/invitations.html", values)


def modes_router(context: AppContext, callers: Callers) -> APIRouter:
    pages = ModesPages(context, callers)
    router = APIRouter(prefix="/office", include_in_schema=False)

    @router.get("/enumerators")
    def enumerators(request: Request) -> Response:
        return pages.enumerators(request)

    @router.post("/enumerators/assign")
    async def assign(request: Request) -> Response:
        return await pages.assign(request)

    @router.get("/invitations")
    def invitations(request: Request) -> Response:
        return pages.invitations(request)

    return router

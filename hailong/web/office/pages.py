"""What every office page shares: who is signed in, the frame (navigation, period picker,
language switch) and the period and unit a page is about.

Navigation is a list of entries, each shown to the roles whose actions allow it: a new page
adds one `NavEntry` to `NAVIGATION` (or passes its own through `Navigation.add`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hailong.accounts.scope import ROLE_LABELS, Action, Actor, may_do, unit_in_scope
from hailong.audit.service import Who
from hailong.db import unit_of_work
from hailong.errors import NotFound
from hailong.i18n import N_
from hailong.models import Period, Unit
from hailong.periods.scoped import seen_periods
from hailong.periods.service import today_in_vietnam
from hailong.settings import Settings
from hailong.web.callers import Callers, client_address
from hailong.web.office.assets import load_asset
from hailong.web.office.csrf import CSRF_FIELD, Csrf
from hailong.web.office.formatting import Numbers, bar_width
from hailong.web.rendering import Renderer, request_language

if TYPE_CHECKING:
    from hailong.context import AppContext

Result = TypeVar("Result")

LOGIN_URL = "/office/login"


class UnknownOfficePeriod(NotFound):
    message = N_("There is no survey period with the code {code}.")


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str
    # Shown to a role that may take this action on some unit; None: to everyone signed in.
    action: Action | None
    # Opened less often: under "More", so the bar stays one line on a 1366 px screen.
    more: bool = False

    def is_current(self, path: str) -> bool:
        """This entry's page, or one below it (a response of the verification list…)."""
        below = self.path != "/office/" and path.startswith(self.path.rstrip("/") + "/")
        return path == self.path or below


NAVIGATION: list[NavEntry] = [
    NavEntry("/office/", N_("Overview"), None),
    NavEntry("/office/progress", N_("Progress"), Action.view_progress),
    NavEntry("/office/responses", N_("Verification"), Action.verify_responses),
    NavEntry("/office/counters", N_("Counters"), Action.manage_counters),
    NavEntry("/office/posters", N_("Posters"), Action.print_posters),
    NavEntry("/office/downloads", N_("Downloads"), Action.download),
    NavEntry("/office/users", N_("Users"), Action.manage_users),
    # Periods are set up a few times a year; the rest is opened now and then.
    NavEntry("/office/periods", N_("Periods"), Action.manage_periods, more=True),
    NavEntry("/office/questionnaires", N_("Questionnaires"), Action.view_index, more=True),
    NavEntry("/office/enumerators", N_("Enumerators"), Action.manage_enumerators, more=True),
    NavEntry("/office/invitations", N_("Invitations"), Action.send_invitations, more=True),
    NavEntry("/office/audit", N_("Audit log"), Action.view_audit, more=True),
]


@dataclass(frozen=True)
class ShownNavigation:
    """The entries one person sees: on the bar, and under "More" (a <details>, no script)."""

    main: list[NavEntry]
    more: list[NavEntry]

    def more_holds(self, path: str) -> bool:
        return any(entry.is_current(path) for entry in self.more)


@dataclass
class Navigation:
    entries: list[NavEntry] = field(default_factory=lambda: list(NAVIGATION))

    def add(self, entry: NavEntry) -> None:
        self.entries.append(entry)

    def for_actor(self, actor: Actor) -> ShownNavigation:
        shown = [e for e in self.entries if e.action is None or may_do(actor, e.action)]
        more = [e for e in shown if e.more]
        # One entry alone under "More" is no saving: it goes on the bar.
        if len(more) < 2:
            return ShownNavigation([*shown], [])
        return ShownNavigation([e for e in shown if not e.more], more)


@dataclass(frozen=True)
class Place:
    """The period and the unit (with its subtree) a page is about; unit None: the country."""

    period: Period | None
    periods: list[Period]
    unit: Unit | None

    @property
    def unit_code(self) -> str:
        return "" if self.unit is None else self.unit.code


def default_period(periods: list[Period]) -> Period | None:
    """The period open today (the latest to start), else the latest to start."""
    if not periods:
        return None
    today = today_in_vietnam()
    open_now = [p for p in periods if p.start_date <= today <= p.end_date]
    return (open_now or periods)[-1]


def find_place(
    session: Session, actor: Actor, action: Action, *, period: str | None, unit: str | None
) -> Place:
    """The page's period (the one asked for, or today's) and unit (the one asked for if in
    scope, else the account's own); a unit outside the scope is not found."""
    query = select(Period).where(seen_periods(actor)).order_by(Period.start_date, Period.code)
    periods = list(session.scalars(query))
    chosen = default_period(periods)
    if period:
        chosen = next((p for p in periods if p.code == period.strip()), None)
        if chosen is None:
            raise UnknownOfficePeriod(code=period[:40])
    if unit:
        found: Unit | None = unit_in_scope(session, actor, unit.strip(), action)
    elif actor.unit_id is not None:
        found = session.get_one(Unit, actor.unit_id)
    else:
        found = None
    return Place(chosen, periods, found)


def query_url(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


class OfficePages:
    """Renders office pages inside the frame, for the signed-in person."""

    def __init__(self, context: AppContext, callers: Callers, navigation: Navigation) -> None:
        self.settings: Settings = context.settings
        self.sessions = context.sessions
        self.renderer = Renderer(context.settings, context.catalogs)
        self.callers = callers
        self.csrf = Csrf(context.settings)
        self.navigation = navigation
        self.stylesheet = load_asset("office.css", "text/css")
        self.script = load_asset("office.js", "text/javascript")

    def actor(self, request: Request) -> Actor | None:
        """The signed-in person of a page: API tokens open the API, not the office."""
        actor = self.callers.optional(request)
        return actor if actor is not None and actor.via == "session" else None

    async def posted_fields(
        self, request: Request, *, max_fields: int
    ) -> tuple[Actor | None, dict[str, str]]:
        """The signed-in person and the text fields of a form post, its CSRF token checked
        (a post without a signed-in person is left to the page to send to sign-in)."""
        actor = await run_in_threadpool(self.actor, request)
        form = await request.form(max_files=0, max_fields=max_fields)
        posted = {k: v for k, v in form.items() if isinstance(v, str)}
        if actor is not None:
            self.csrf.verify(request, posted.get(CSRF_FIELD), binding=binding_of(actor))
        return actor, posted

    async def change(
        self, request: Request, actor: Actor, change: Callable[[Session, Who], Result]
    ) -> Result:
        """Run one change as `actor` in its own transaction, off the event loop."""
        who = actor.who(client_address(request))

        def run() -> Result:
            with unit_of_work(self.sessions) as session:
                return change(session, who)

        return await run_in_threadpool(run)

    def sign_in_first(self, request: Request) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return redirect(query_url(LOGIN_URL, next=target))

    def render(
        self,
        request: Request,
        actor: Actor | None,
        template: str,
        values: Mapping[str, Any],
        *,
        status_code: int = 200,
    ) -> Response:
        language = request_language(request)
        token = self.csrf.token(request, binding=binding_of(actor))
        frame: dict[str, Any] = {
            "csrf_token": token.value,
            "numbers": Numbers(language),
            "bar_width": bar_width,
            "office_css": self.stylesheet.url,
            "office_js": self.script.url,
            "language_url": language_url(request, language),
            "current_path": request.url.path,
        }
        if actor is not None:
            frame["actor"] = actor
            frame["role_label"] = ROLE_LABELS[actor.role]
            frame["navigation"] = self.navigation.for_actor(actor)
        response = self.renderer.render(
            request, template, {**frame, **values}, status_code=status_code
        )
        token.set_cookie(response, self.settings, request)
        response.headers["cache-control"] = "no-store"
        return response


def language_url(request: Request, language: str) -> str:
    """This page in the other language, with its filters kept."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", "en" if language == "vi" else "vi"))
    return f"{request.url.path}?{urlencode(params)}"


def binding_of(actor: Actor | None) -> str:
    """What a signed-in page's CSRF tokens are bound to: the session it was shown in."""
    return f"session:{actor.credential_id}" if actor is not None else ""


def redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    return response

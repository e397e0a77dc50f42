"""Counters (quầy và mã QR): list, add one or many, rename, deactivate or reactivate, rotate,
revoke after a confirmation that says old posters stop working, and one counter's poster.
The services are hailong.counters.scoped (scoped, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, require
from hailong.counters import scoped
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.units.scoped import visible_units
from hailong.web.office.pages import OfficePages, find_place, query_url, redirect
from hailong.web.office.posters import PICK_LIMIT
from qr import jobs
from qr.content import PosterSize

MAX_PER_UNIT = 20
COMMENT_LIMIT = 1000


class BadCounterForm(BadInput):
    message = N_("Please fill in the form: a unit, and a name or how many counters each unit has.")


class CountersPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    @property
    def base_url(self) -> str:
        return self.pages.settings.public_base_url

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.manage_counters)
        params = request.query_params
        with self.pages.sessions() as session:
            place = find_place(
                session, actor, Action.manage_counters, period=None, unit=params.get("unit")
            )
            shown = (params.get("active") or "").strip()
            filters = scoped.CounterFilter(
                unit_code=place.unit_code or None,
                active={"yes": True, "no": False}.get(shown),
            )
            counters = scoped.list_counters(session, actor, filters, base_url=self.base_url)
            units = session.execute(visible_units(actor).limit(PICK_LIMIT + 1)).all()
        values: dict[str, Any] = {
            "place": place,
            "counters": counters,
            "active": shown,
            "units": [] if len(units) > PICK_LIMIT else units,
            "sizes": [size.value for size in PosterSize],
            "done": (params.get("done") or "").partition(":")[::2],
            "back": query_url("/office/counters", unit=params.get("unit"), active=shown),
        }
        return self.pages.render(request, actor, "office/counters.html", values)

    async def add(self, request: Request) -> Response:
        actor, posted = await self.pages.posted_fields(request, max_fields=20)
        if actor is None:
            return self.pages.sign_in_first(request)
        unit = posted.get("unit", "").strip()
        if not unit:
            raise BadCounterForm()
        if posted.get("mode") == "many":
            per_unit = _whole(posted.get("per_unit"))
            subtree = posted.get("subtree") == "yes"

            def many(session: Session, who: Any) -> int:
                plan = scoped.create_counters_per_unit(
                    session, actor, unit_code=unit, per_unit=per_unit, subtree=subtree, by=who
                )
                return len(plan.planned)

            added = await self.pages.change(request, actor, many)
        else:
            name = posted.get("name", "")

            def one(session: Session, who: Any) -> int:
                scoped.create_counter(
                    session, actor, unit_code=unit, name=name, by=who, base_url=self.base_url
                )
                return 1

            added = await self.pages.change(request, actor, one)
        return redirect(query_url("/office/counters", unit=unit, done=f"added:{added}"))

    async def change(self, request: Request, counter_id: int) -> Response:
        """Rename, deactivate, reactivate or rotate: the button pressed says which."""
        actor, posted = await self.pages.posted_fields(request, max_fields=20)
        if actor is None:
            return self.pages.sign_in_first(request)
        action = posted.get("action", "")
        comment = (posted.get("comment") or "").strip()[:COMMENT_LIMIT] or None

        def apply(session: Session, who: Any) -> int:
            common = {"comment": comment, "by": who, "base_url": self.base_url}
            if action == "rename":
                scoped.change_counter(
                    session, actor, counter_id, name=posted.get("name", ""), **common
                )
            elif action in ("deactivate", "activate"):
                scoped.change_counter(
                    session, actor, counter_id, active=action == "activate", **common
                )
            elif action == "rotate":
                scoped.rotate_counter(session, actor, counter_id, **common)
            else:
                raise BadCounterForm()
            return 1

        await self.pages.change(request, actor, apply)
        return redirect(_back(posted.get("back"), f"{action}:{counter_id}"))

    def revoke_page(self, request: Request, counter_id: int) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.manage_counters)
        with self.pages.sessions() as session:
            counter = scoped.get_counter(session, actor, counter_id, base_url=self.base_url)
        return self.pages.render(request, actor, "office/counter_revoke.html", {"c": counter})

    async def revoke(self, request: Request, counter_id: int) -> Response:
        actor, posted = await self.pages.posted_fields(request, max_fields=20)
        if actor is None:
            return self.pages.sign_in_first(request)
        comment = (posted.get("comment") or "").strip()[:COMMENT_LIMIT] or None

        def apply(session: Session, who: Any) -> int:
            scoped.revoke_counter(
                session, actor, counter_id, comment=comment, by=who, base_url=self.base_url
            )
            return 1

        await self.pages.change(request, actor, apply)
        return redirect(f"/office/counters?done=revoke:{counter_id}")

    def poster(self, request: Request, counter_id: int) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        with self.pages.sessions() as session:
            name, pdf = jobs.counter_poster_pdf(
                session,
                actor,
                counter_id,
                size=request.query_params.get("size"),
                settings=self.pages.settings,
            )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )


def _whole(value: str | None) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        raise BadCounterForm() from None
    if not 1 <= number <= MAX_PER_UNIT:
        raise BadCounterForm()
    return number


def _back(target: str | None, done: str) -> str:
    path = target if target and target.startswith("/office/counters") else "/office/counters"
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}done={done}"

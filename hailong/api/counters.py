"""GET/POST /counters, GET/PATCH /counters/{id}, POST /counters/{id}/rotate|revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from hailong.accounts.scope import Actor
from hailong.api.deps import Deps, who
from hailong.api.pagination import Page, PageRequest, keyset_page
from hailong.api.schemas import CounterIn, CounterOut, CounterPatch, Reason
from hailong.counters import scoped
from hailong.models import Counter

CounterId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the counter's id")]


def counters_router(deps: Deps) -> APIRouter:
    router = APIRouter(tags=["counters"])

    @router.get("/counters", response_model=Page[CounterOut])
    def list_counters(
        unit: str | None = Query(None, description="only this unit and the units below it"),
        active: bool | None = Query(None, description="only counters in service, or not"),
        page: PageRequest = Depends(),
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> Page[CounterOut]:
        """The counters of the caller's units, by id, with their codes and survey links."""
        filters = scoped.CounterFilter(unit_code=unit, active=active)
        base_url = deps.base_url()
        return keyset_page(
            session,
            scoped.counters_query(session, actor, filters),
            key=Counter.id,
            page=page,
            item=lambda row: CounterOut.of(scoped.counter_view(row, base_url=base_url)),
        )

    @router.post("/counters", response_model=CounterOut, status_code=201)
    def create_counter(
        request: Request,
        body: CounterIn,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> CounterOut:
        """A new counter at one of the caller's units, with its QR code and short code."""
        view = scoped.create_counter(
            session,
            actor,
            unit_code=body.unit_code,
            name=body.name,
            by=who(request, actor),
            base_url=deps.base_url(),
        )
        return CounterOut.of(view)

    @router.get("/counters/{counter_id}", response_model=CounterOut)
    def get_counter(
        counter_id: CounterId,
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> CounterOut:
        """One counter of the caller's units; any other id is not found."""
        view = scoped.get_counter(session, actor, counter_id, base_url=deps.base_url())
        return CounterOut.of(view)

    @router.patch("/counters/{counter_id}", response_model=CounterOut)
    def change_counter(
        request: Request,
        counter_id: CounterId,
        body: CounterPatch,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> CounterOut:
        """Rename it, deactivate it (`active: false`: its codes stop working until it is
        active again) or bring it back."""
        view = scoped.change_counter(
            session,
            actor,
            counter_id,
            name=body.name,
            active=body.active,
            comment=body.comment,
            by=who(request, actor),
            base_url=deps.base_url(),
        )
        return CounterOut.of(view)

    @router.post("/counters/{counter_id}/rotate", response_model=CounterOut)
    def rotate_counter(
        request: Request,
        counter_id: CounterId,
        body: Reason | None = None,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> CounterOut:
        """A new QR code and short code: print the new poster; the old one then says that
        it was replaced."""
        view = scoped.rotate_counter(
            session,
            actor,
            counter_id,
            comment=None if body is None else body.comment,
            by=who(request, actor),
            base_url=deps.base_url(),
        )
        return CounterOut.of(view)

    @router.post("/counters/{counter_id}/revoke", response_model=CounterOut)
    def revoke_counter(
        request: Request,
        counter_id: CounterId,
        body: Reason | None = None,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> CounterOut:
        """Out of service for good: its QR code and short code stop working, old posters
        say so. Revoking it again changes nothing."""
        view = scoped.revoke_counter(
            session,
            actor,
            counter_id,
            comment=None if body is None else body.comment,
            by=who(request, actor),
            base_url=deps.base_url(),
        )
        return CounterOut.of(view)

    return router

"""GET /units (the caller's units, a page at a time), GET /units/{code}, GET /me."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from hailong.accounts.scope import ROLE_ACTIONS, Actor
from hailong.api.deps import Deps
from hailong.api.pagination import Page, PageRequest, keyset_page
from hailong.api.schemas import MeOut, UnitOut
from hailong.models import Unit
from hailong.units.scoped import own_unit, visible_unit, visible_units


def units_router(deps: Deps) -> APIRouter:
    router = APIRouter(tags=["units"])
    database, caller = deps.database, deps.caller

    @router.get("/units", response_model=Page[UnitOut])
    def list_units(
        page: PageRequest = Depends(),
        actor: Actor = Depends(caller),
        session: Session = Depends(database),
    ) -> Page[UnitOut]:
        """The units the caller may see, by code: an official's unit and every unit below
        it, a ward's own unit, the whole tree for an admin."""
        return keyset_page(session, visible_units(actor), key=Unit.code, page=page, item=UnitOut.of)

    @router.get("/units/{code}", response_model=UnitOut)
    def get_unit(
        code: str, actor: Actor = Depends(caller), session: Session = Depends(database)
    ) -> UnitOut:
        """One unit of the caller's; any other code is not found."""
        return UnitOut.of(visible_unit(session, actor, code))

    @router.get("/me", response_model=MeOut, tags=["accounts"])
    def me(
        request: Request,
        response: Response,
        actor: Actor = Depends(caller),
        session: Session = Depends(database),
    ) -> MeOut:
        """Who the token or session belongs to, its unit and what it may do; for a session,
        the CSRF token its changes must carry."""
        unit = own_unit(session, actor)
        return MeOut(
            username=actor.username,
            role=actor.role,
            unit=UnitOut.of(unit) if unit is not None else None,
            signed_in_with="token" if actor.via == "token" else "session",
            actions=sorted(ROLE_ACTIONS[actor.role]),
            csrf_token=deps.csrf_token(request, response, actor),
        )

    return router

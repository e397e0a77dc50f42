"""GET /progress (each unit's forms against its quota) and GET /index (the methodology's JSON)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from hailong.accounts.scope import Actor
from hailong.api.deps import Deps
from hailong.api.schemas import ProgressOut
from hailong.index.progress import progress, scoped_index

PERIOD = Query(..., min_length=1, max_length=32, description="the period's code")
UNIT = Query(None, description="a unit of the caller's: it and below it; default: the caller's")
CHANNELS = Query("official", description="official: the period's official channels; all")


def progress_router(deps: Deps) -> APIRouter:
    router = APIRouter(tags=["index"])

    @router.get("/progress", response_model=ProgressOut)
    def get_progress(
        period: str = PERIOD,
        unit: str | None = UNIT,
        channels: Literal["official", "all"] = CHANNELS,
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> ProgressOut:
        """Every unit of the subtree: forms counted toward its quota, the quota, the share
        reached and the forms by channel, furthest behind first."""
        report = progress(session, actor, period=period, unit=unit, channels=channels)
        return ProgressOut.of(report)

    @router.get("/index", response_model=dict[str, Any])
    def get_index(
        period: str = PERIOD,
        unit: str | None = UNIT,
        channels: Literal["official", "all"] = CHANNELS,
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> dict[str, Any]:
        """The SIPAS index of the unit and every unit below it, as the methodology's "Index
        as JSON": exactly what `hailong index --format json` prints for the same period,
        unit and channels (the whole country for an administrator without a unit)."""
        return scoped_index(session, actor, period=period, unit=unit, channels=channels)

    return router

"""GET /enumerators/interviews: each enumerator's interviews per unit and day, and their
median interview time, at the caller's units."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, Actor, require
from hailong.enumerators import stats
from hailong.enumerators.stats import chosen_period


class EnumeratorOut(BaseModel):
    username: str
    interviews: int
    median_minutes: float | None = Field(description="from the phone's start to its finish")


class DayOut(BaseModel):
    username: str
    unit_code: str
    day: date = Field(description="Vietnam's calendar day the interview was finished")
    interviews: int


class InterviewsOut(BaseModel):
    period: str
    enumerators: list[EnumeratorOut]
    days: list[DayOut]


def enumerators_router(
    database: Callable[[], Iterator[Session]], caller: Callable[..., Actor]
) -> APIRouter:
    router = APIRouter(tags=["enumerators"])

    @router.get("/enumerators/interviews", response_model=InterviewsOut)
    def interviews(
        period: str | None = Query(None, description="a period's code; default: the open one"),
        actor: Actor = Depends(caller),
        session: Session = Depends(database),
    ) -> InterviewsOut:
        """Finished interviews of the period at the caller's units, per enumerator (with the
        median interview time) and per enumerator, unit and day."""
        require(actor, Action.view_progress)
        chosen = chosen_period(session, period)
        found = stats.interview_stats(session, actor, chosen)
        return InterviewsOut(
            period=chosen.code,
            enumerators=[EnumeratorOut(**s.__dict__) for s in found.summaries],
            days=[
                DayOut(
                    username=d.username, unit_code=d.unit_code, day=d.day, interviews=d.interviews
                )
                for d in found.days
            ],
        )

    return router

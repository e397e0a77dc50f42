"""GET /responses (filtered, a page at a time), GET /responses/{id}, POST /responses/{id}/review
and POST /responses/review (many at once). No personal data: no respondent hash, no resume
key, only the answers of the methodology's download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from hailong.accounts.scope import Actor
from hailong.api.deps import Deps, who
from hailong.api.pagination import Page, PageRequest, keyset_page
from hailong.api.schemas import (
    ChannelCode,
    ResponseDetailOut,
    ResponseOut,
    ReviewIn,
    ReviewManyIn,
    ReviewOut,
)
from hailong.models import Response, ReviewState
from hailong.responses import scoped

ResponseId = Annotated[str, Path(min_length=1, max_length=64, description="its public id")]
CounterIds = Annotated[list[Annotated[int, Query(ge=1, le=2_147_483_647)]], Query()]


@dataclass
class ResponseFilters:
    """The filters of GET /responses and of the responses downloads, as query parameters."""

    period: Annotated[str, Query(min_length=1, max_length=32, description="period code")]
    unit: Annotated[
        str | None, Query(max_length=32, description="a unit of the caller's and below it")
    ] = None
    counter: Annotated[
        list[Annotated[int, Query(ge=1, le=2_147_483_647)]],
        Query(description="counter ids (repeat the parameter for several)"),
    ] = ()  # type: ignore[assignment]
    channel: Annotated[list[ChannelCode], Query(description="channels")] = ()  # type: ignore[assignment]
    review_state: Annotated[list[ReviewState], Query(description="review states")] = ()  # type: ignore[assignment]
    procedure: Annotated[
        list[Annotated[str, Query(max_length=64)]], Query(description="procedure codes")
    ] = ()  # type: ignore[assignment]
    from_: Annotated[
        date | None, Query(alias="from", description="submitted on or after this day (Vietnam)")
    ] = None
    to: Annotated[date | None, Query(description="submitted on or before this day")] = None

    def query(self) -> scoped.ResponseQuery:
        return scoped.ResponseQuery(
            period=self.period,
            unit=self.unit,
            counters=list(self.counter),
            channels=list(self.channel),
            review_states=list(self.review_state),
            procedures=list(self.procedure),
            first_day=self.from_,
            last_day=self.to,
        )


def responses_router(deps: Deps) -> APIRouter:
    router = APIRouter(tags=["responses"])

    @router.get("/responses", response_model=Page[ResponseOut])
    def list_responses(
        filters: ResponseFilters = Depends(),
        page: PageRequest = Depends(),
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> Page[ResponseOut]:
        """Finished responses of the caller's units that the filters let through, oldest
        first; without `unit`, all of the caller's."""
        return keyset_page(
            session,
            scoped.responses_query(session, actor, filters.query()),
            key=Response.id,
            page=page,
            item=lambda row: ResponseOut.of(scoped.response_view(row)),
        )

    @router.post("/responses/review", response_model=list[ReviewOut])
    def review_many(
        request: Request,
        body: ReviewManyIn,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> list[ReviewOut]:
        """The same decision on many responses, all or nothing: if one id is not found
        among the caller's responses, none changes."""
        outcomes = scoped.review_responses(
            session,
            actor,
            body.ids,
            state=body.state,
            comment=body.comment,
            by=who(request, actor),
        )
        return [ReviewOut(response=ResponseOut.of(o.response), changed=o.changed) for o in outcomes]

    @router.get("/responses/{response_id}", response_model=ResponseDetailOut)
    def get_response(
        response_id: ResponseId,
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> ResponseDetailOut:
        """One response of the caller's units with its answers; any other id is not found."""
        detail = scoped.get_response(session, actor, response_id)
        shown = ResponseOut.of(detail.response)
        return ResponseDetailOut(**shown.model_dump(), answers=detail.answers)

    @router.post("/responses/{response_id}/review", response_model=ReviewOut)
    def review_one(
        request: Request,
        response_id: ResponseId,
        body: ReviewIn,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> ReviewOut:
        """An official's decision: received, has_issues, approved or rejected (left out of
        the index), with a comment for the audit log."""
        outcome = scoped.review_response(
            session,
            actor,
            response_id,
            state=body.state,
            comment=body.comment,
            by=who(request, actor),
        )
        return ReviewOut(response=ResponseOut.of(outcome.response), changed=outcome.changed)

    return router

"""Responses as an actor sees and reviews them: lists with filters, one response with its
answers, review one or many. No personal data ever leaves here: no respondent hash, no resume
key, only the answers of the methodology's download.

A response is addressed by its public id and found only among the responses of the units the
actor reaches; any other id is "not found". The same filters make the downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, Actor, in_scope, require, unit_in_scope
from hailong.audit.service import Who
from hailong.channels import parse_channels
from hailong.counters.service import CounterNotFound
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.index.progress import shown_units
from hailong.models import Answer, Counter, Period, Response, ReviewState, Unit
from hailong.periods.scoped import seen_period
from hailong.reports.downloads import DatesReversed
from hailong.responses.csvformat import ANSWER_COLUMNS, PROCEDURE_QUESTION
from hailong.responses.exporting import ResponseFilter
from hailong.responses.reviewing import UnknownResponse, decide

# The answers a response shows: those of the methodology's download, nothing else.
SHOWN_ANSWERS = (PROCEDURE_QUESTION, *ANSWER_COLUMNS)
# Reviewing more than this many at once is a download and an import, not a request.
MAX_REVIEWED = 1000


class TooManyReviewed(BadInput):
    message = N_("At most {limit} responses can be reviewed at once.")


@dataclass(frozen=True)
class ResponseQuery:
    """What an official narrows responses down to; each empty filter lets all through."""

    period: str
    unit: str | None = None  # that unit and everything below it
    counters: Sequence[int] = ()
    channels: Sequence[str] = ()
    review_states: Sequence[ReviewState] = ()
    procedures: Sequence[str] = ()
    first_day: date | None = None  # submitted on Vietnam's calendar days, both included
    last_day: date | None = None


@dataclass(frozen=True)
class ResponseView:
    id: str  # the public id
    form_id: str | None  # a paper form's serial number
    period: str
    unit_code: str
    unit_name: str
    counter_id: int | None
    channel: str
    status: str
    review_state: str
    procedure_code: str | None
    language: str
    started_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True)
class ResponseDetail:
    response: ResponseView
    answers: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewOutcome:
    response: ResponseView
    changed: bool


def scoped_filter(
    session: Session, actor: Actor, query: ResponseQuery, action: Action
) -> ResponseFilter:
    """The filter of a list or a download, within the actor's reach: without a unit, the
    actor's own unit (an administrator: the whole country); a unit, counter or period the
    actor does not reach is not found."""
    require(actor, action)
    if query.first_day and query.last_day and query.first_day > query.last_day:
        raise DatesReversed(start=query.first_day, end=query.last_day)
    period = seen_period(session, actor, query.period)
    unit = _unit(session, actor, query.unit, action)
    return ResponseFilter(
        period=period,
        unit=unit,
        channels=tuple(parse_channels(list(query.channels))) or None,
        review_states=tuple(ReviewState(s).value for s in query.review_states) or None,
        counters=_counters(session, actor, query.counters, action) or None,
        procedures=tuple(p.strip() for p in query.procedures if p.strip()) or None,
        submitted_from=query.first_day,
        submitted_to=query.last_day,
        shown_units=shown_units(session, actor, unit),
    )


def _unit(session: Session, actor: Actor, code: str | None, action: Action) -> Unit | None:
    if code is not None:
        return unit_in_scope(session, actor, code, action)
    if actor.unit_id is None:
        return None
    return session.get_one(Unit, actor.unit_id)


def _counters(
    session: Session, actor: Actor, ids: Sequence[int], action: Action
) -> tuple[int, ...]:
    wanted = tuple(dict.fromkeys(ids))
    if not wanted:
        return ()
    found = set(
        session.scalars(
            select(Counter.id).where(
                Counter.id.in_(wanted), in_scope(actor, Counter.unit_id, action)
            )
        )
    )
    for counter_id in wanted:
        if counter_id not in found:
            raise CounterNotFound(counter_id=counter_id)
    return wanted


def _rows() -> Select[Any]:
    return (
        select(
            Response.id,
            Response.public_id,
            Response.form_id,
            Period.code.label("period"),
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            Response.counter_id,
            Response.channel,
            Response.status,
            Response.review_state,
            Response.procedure_code,
            Response.language,
            Response.started_at,
            Response.submitted_at,
        )
        .join(Unit, Response.unit_id == Unit.id)
        .join(Period, Response.period_id == Period.id)
    )


def responses_query(session: Session, actor: Actor, query: ResponseQuery) -> Select[Any]:
    """Rows for `response_view`: the finished responses the filters let through, within the
    actor's reach (for pages of a list, by `Response.id`)."""
    selection = scoped_filter(session, actor, query, Action.view_responses)
    return _rows().where(
        *selection.conditions(), in_scope(actor, Response.unit_id, Action.view_responses)
    )


def response_view(row: Any) -> ResponseView:
    return ResponseView(
        id=row.public_id,
        form_id=row.form_id,
        period=row.period,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        counter_id=row.counter_id,
        channel=row.channel,
        status=row.status,
        review_state=row.review_state,
        procedure_code=row.procedure_code,
        language=row.language,
        started_at=row.started_at,
        submitted_at=row.submitted_at,
    )


def list_responses(
    session: Session, actor: Actor, query: ResponseQuery, *, limit: int = 1000
) -> list[ResponseView]:
    """The first `limit` responses the filters let through: has_issues first, then oldest."""
    flagged_first = (Response.review_state != ReviewState.has_issues.value, Response.id)
    rows = session.execute(
        responses_query(session, actor, query).order_by(*flagged_first).limit(limit)
    )
    return [response_view(row) for row in rows]


def _find(session: Session, actor: Actor, public_id: str, action: Action) -> Response:
    require(actor, action)
    response = session.scalar(
        select(Response).where(
            Response.public_id == public_id.strip(), in_scope(actor, Response.unit_id, action)
        )
    )
    if response is None:
        raise UnknownResponse(public_id=public_id)
    return response


def _view(session: Session, response_id: int) -> ResponseView:
    return response_view(session.execute(_rows().where(Response.id == response_id)).one())


def get_response(session: Session, actor: Actor, public_id: str) -> ResponseDetail:
    """One response of the actor's units with its answers (those of the download)."""
    response = _find(session, actor, public_id, Action.view_responses)
    answers = dict(
        session.execute(
            select(Answer.question_key, Answer.value).where(
                Answer.response_id == response.id, Answer.question_key.in_(SHOWN_ANSWERS)
            )
        )
        .tuples()
        .all()
    )
    ordered = {key: answers[key] for key in SHOWN_ANSWERS if key in answers}
    return ResponseDetail(_view(session, response.id), ordered)


def review_response(
    session: Session,
    actor: Actor,
    public_id: str,
    *,
    state: ReviewState,
    comment: str | None = None,
    by: Who,
) -> ReviewOutcome:
    """Decide on one response: its tallies move, the audit log says who and why."""
    response = _find(session, actor, public_id, Action.verify_responses)
    changed = decide(session, response, state, comment=comment, by=by)
    return ReviewOutcome(_view(session, response.id), changed)


def review_responses(
    session: Session,
    actor: Actor,
    public_ids: Sequence[str],
    *,
    state: ReviewState,
    comment: str | None = None,
    by: Who,
) -> list[ReviewOutcome]:
    """The same decision on many responses, all or nothing: one id the actor does not reach
    and none changes."""
    wanted = list(dict.fromkeys(p.strip() for p in public_ids))
    if len(wanted) > MAX_REVIEWED:
        raise TooManyReviewed(limit=MAX_REVIEWED)
    found = [_find(session, actor, public_id, Action.verify_responses) for public_id in wanted]
    outcomes = []
    for response in sorted(found, key=lambda r: r.id):  # one lock order for everyone
        changed = decide(session, response, state, comment=comment, by=by)
        outcomes.append(ReviewOutcome(_view(session, response.id), changed))
    return outcomes

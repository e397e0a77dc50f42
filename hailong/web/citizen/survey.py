"""The web form's steps against storage. Each takes the session first and flushes; the route
around it owns the transaction and commits before it answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hailong.counters.service import CounterAccess, resolve_token
from hailong.errors import BadInput, HailongError
from hailong.i18n import N_
from hailong.models import Channel, Period, Response, ResponseStatus
from hailong.periods.service import ensure_still_open, open_period, today_in_vietnam
from hailong.procedures.service import for_unit
from hailong.responses import service as responses
from hailong.responses.service import SurveyState


class TooManyStarts(HailongError):
    status_code = 429
    message = N_(
        "Many surveys were started from this network in the last hour. "
        "Please try again a little later."
    )


@dataclass(frozen=True)
class Visit:
    """A scan of a live counter while a period is open."""

    access: CounterAccess
    period: Period


def visit(session: Session, token: str) -> Visit:
    """The counter and the open period, or the polite 404/410/403 error."""
    access = resolve_token(session, token)
    return Visit(access=access, period=open_period(session, today_in_vietnam()))


def parse_start_id(raw: str | None) -> str:
    """The landing page's one-time id: a double tap on "start" makes one response."""
    try:
        return str(uuid.UUID(raw or ""))
    except ValueError:
        raise BadInput() from None


def existing_start(session: Session, here: Visit, start_id: str) -> Response | None:
    response = responses.by_public_id(session, start_id)
    if response is not None and response.counter_id != here.access.counter.id:
        # Another counter's id replayed here: refuse rather than mix counters.
        raise BadInput()
    return response


def start(session: Session, here: Visit, *, start_id: str, language: str) -> Response:
    return existing_start(session, here, start_id) or responses.start(
        session,
        unit_id=here.access.unit.id,
        counter_id=here.access.counter.id,
        period=here.period,
        channel=Channel.web,
        public_id=start_id,
        language=language,
    )


def response_here(
    session: Session, access: CounterAccess, public_id: str | None, *, for_update: bool = False
) -> SurveyState | None:
    """The browser's response when it belongs to this counter; None otherwise."""
    if public_id is None:
        return None
    response = responses.by_public_id(session, public_id, for_update=for_update)
    if response is None or response.counter_id != access.counter.id:
        return None
    return responses.load(session, response)


def resumable(session: Session, here: Visit, public_id: str | None) -> SurveyState | None:
    """An unfinished response of this counter in the period open today."""
    state = response_here(session, here.access, public_id)
    if state is None or state.response.status != ResponseStatus.in_progress:
        return None
    return state if state.response.period_id == here.period.id else None


def ensure_period_open(session: Session, response: Response) -> None:
    """Answers are taken only while the response's period is open."""
    period = session.get(Period, response.period_id)
    if period is not None:
        ensure_still_open(period, today_in_vietnam())


def procedure_choices(session: Session, unit_id: int) -> list[tuple[str, str, str]]:
    """(code, name, field) of the unit's procedures, in the order they are listed."""
    return [(p.code, p.name, p.field) for p in for_unit(session, unit_id)]

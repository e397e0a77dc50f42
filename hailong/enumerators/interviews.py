"""An enumerator's finished interview, sent from the phone (at once, or later from its queue).

The phone makes an id for each interview; the server makes the response's id from it and
the enumerator, so a response sent again (a retry after a lost answer, the queue sent twice)
finds the first one and changes nothing: each interview is stored once, however often sent.
The whole interview is answered page by page through the survey session, in one
transaction: all of it is stored, or (refused) none of it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hailong.enumerators.service import ensure_may_interview
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Counter, ResponseStatus, Unit
from hailong.models.base import utcnow
from hailong.responses.service import SurveyState
from hailong.survey import service as survey
from hailong.survey import steps
from hailong.survey.entries import Assignment, Browser
from hailong.survey.steps import Finished, Page, Refused
from survey_flows import Invalid

# A phone's clock is believed within these bounds; otherwise the server's own time is kept.
OLDEST_INTERVIEW = timedelta(days=14)
CLOCK_SLACK = timedelta(minutes=10)
LONGEST_INTERVIEW = timedelta(hours=3)


class BadInterviewId(BadInput):
    message = N_("This interview's id is not one the interview page makes.")


class UnknownCounter(BadInput):
    message = N_("This counter is not one of the unit's.")


class InterviewRefused(BadInput):
    """Some answers were refused: nothing of the interview is stored."""

    message = N_("Some answers of this interview are not valid: nothing of it was stored.")

    def __init__(self, problems: Mapping[str, Invalid]) -> None:
        super().__init__()
        self.problems = dict(problems)


@dataclass(frozen=True)
class Interview:
    client_id: str
    unit_id: int
    counter_id: int
    procedure_code: str
    # As the page sends them: a value, a list (multi-choice), or "" / None for a skip.
    answers: Mapping[str, str | list[str] | None]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    language: str = "vi"


@dataclass(frozen=True)
class Recorded:
    public_id: str
    status: ResponseStatus
    # False: this interview was received before; nothing changed.
    created: bool


def record(session: Session, interview: Interview, *, enumerator_id: int, secret: str) -> Recorded:
    client_id = _client_id(interview.client_id)
    unit = session.get(Unit, interview.unit_id)
    counter = session.get(Counter, interview.counter_id)
    if unit is None or counter is None or counter.unit_id != unit.id:
        raise UnknownCounter()
    ensure_may_interview(session, enumerator_id, unit)
    started = survey.start(
        session,
        Assignment(enumerator_id, unit.id, counter.id, interview.procedure_code),
        Browser(start_id=client_id, resume_key=_phone_key(secret, enumerator_id)),
        secret=secret,
        language=interview.language,
    )
    state = started.state
    if started.resumed and state.response.status != ResponseStatus.in_progress:
        return Recorded(state.response.public_id, ResponseStatus(state.response.status), False)
    _answer_every_page(session, state, interview.answers)
    _keep_the_phone_s_times(state, interview)
    session.flush()
    return Recorded(state.response.public_id, ResponseStatus(state.response.status), True)


def _answer_every_page(
    session: Session, state: SurveyState, answers: Mapping[str, str | list[str] | None]
) -> None:
    step: Page | Finished | Refused = steps.first_page(session, state)
    while isinstance(step, Page):
        posted = {q.key: _as_posted(answers[q.key]) for q in step.questions if q.key in answers}
        step = survey.answer_page(session, state, step.section.key, posted)
        if isinstance(step, Refused):
            raise InterviewRefused(step.problems)
    if isinstance(step, Refused):
        raise InterviewRefused(step.problems)


def _as_posted(value: str | list[str] | None) -> list[str]:
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def _keep_the_phone_s_times(state: SurveyState, interview: Interview) -> None:
    """The interview's own start and end as the phone saw them (sent later from a queue,
    the server's clock would tell the time of sending), when they are believable."""
    start, end, now = interview.started_at, interview.finished_at, utcnow()
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        return
    if not (now - OLDEST_INTERVIEW <= start <= end <= now + CLOCK_SLACK):
        return
    if end - start > LONGEST_INTERVIEW:
        return
    state.response.started_at = start
    state.response.submitted_at = end


def _client_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except (ValueError, TypeError, AttributeError):
        raise BadInterviewId() from None


def _phone_key(secret: str, enumerator_id: int) -> str:
    # One key per enumerator: the same phone id from another enumerator is another interview.
    message = f"enumerator:{enumerator_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

"""One survey session for every channel and every way in.

A channel (the web form, a chat, an interview) hands the session an entry and a respondent
and gets a response to answer; it hands in answers and gets the next step back. Everything
that is not drawing or transport is here: the period check, the counter check on every
answer, locks against a second app process, the start limits, "already answered" and the
resume rules. It is the only caller of hailong.responses.service.save_answers (which does the
idempotent upsert and the tallies).

Functions take the session first and flush; the channel's edge commits.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from hailong.counters.service import RevokedCounterCode
from hailong.db import attached, is_postgresql
from hailong.errors import BadInput, HailongError
from hailong.i18n import N_
from hailong.models import Counter, Period, Response, ResponseStatus, Unit
from hailong.models.base import utcnow
from hailong.periods.service import ensure_still_open, open_period, today_in_vietnam
from hailong.ratelimit import RateLimiter
from hailong.reference import cached, detached_copy
from hailong.responses import kept
from hailong.responses import service as responses
from hailong.responses.service import ResponseFinished, SurveyState
from hailong.survey import invitations, steps
from hailong.survey.entries import (
    Assignment,
    Browser,
    ChatUser,
    CounterCode,
    Entry,
    InvitationLink,
    Place,
    Respondent,
    assignment_place,
    channel_of,
    counter_access,
    invitation_place,
)
from hailong.survey.steps import Asked, Finished, Page, Refused
from survey_flows import (
    Invalid,
    Question,
    QuestionKind,
    RawAnswer,
    applicable_questions,
    validate_answer,
)
from survey_flows.engine import decisive_keys

# Control characters (other than tab and line breaks) never belong in an answer, and
# PostgreSQL refuses NUL outright: refused politely before anything is stored.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The session's own reasons beside survey_flows.Invalid's.
NO_CHOICE = "no_choice"  # a criterion sent without a score or "I prefer not to answer"
CONTROL = "control_characters"
# A form's "skip this part": sent on a page of optional questions, it answers none of them.
SKIP_PAGE = "skip_page"


@dataclass(frozen=True)
class StartLimit:
    limit: int
    window_seconds: int


# Generous: a ward hall's visitors often share one public network address.
STARTS_PER_NETWORK = StartLimit(limit=60, window_seconds=3600)
# One person at one counter: a few procedures in one visit, never a stream of surveys.
STARTS_PER_RESPONDENT = StartLimit(limit=3, window_seconds=3600)


class TooManyStarts(HailongError):
    status_code = 429
    message = N_(
        "Many surveys were started from this network in the last hour. "
        "Please try again a little later."
    )


class TooManyRespondentStarts(HailongError):
    status_code = 429
    message = N_(
        "You have started several surveys at this counter in the last hour. "
        "Please try again a little later."
    )


class NotAskedNow(HailongError):
    """An answer to a question other than the one asked now (an old message's button)."""

    status_code = 409
    message = N_("This question has already been answered.")


@dataclass(frozen=True)
class Started:
    """A response to answer: a new one, or the respondent's own unfinished one again."""

    state: SurveyState
    place: Place
    resumed: bool


@dataclass(frozen=True)
class Gate:
    """What a start checks besides the entry: the limits' store and keys, and the day."""

    limiter: RateLimiter | None = None
    # The client's network address as the web's edge knows it, for the per-network limit.
    network: str | None = None
    today: date | None = None


# Start or resume ---------------------------------------------------------------------------


def visit(
    session: Session,
    entry: CounterCode,
    respondent: Respondent | None = None,
    *,
    today: date | None = None,
) -> Place:
    """A live counter while a period is open (a landing page, before anything is started),
    or the polite 404/410/403 error."""
    access = counter_access(session, entry)
    return Place(
        unit=access.unit,
        counter=access.counter,
        period=period_open(session, today or today_in_vietnam()),
        channel=channel_of(entry, respondent),
        access=access,
    )


def start(
    session: Session,
    entry: Entry,
    respondent: Respondent | None,
    *,
    secret: str,
    language: str = "vi",
    gate: Gate | None = None,
) -> Started:
    """Start a response from an entry, or resume the respondent's own unfinished one.

    Refuses politely (HailongError): an unknown, replaced or revoked counter; no open period;
    a forged, expired or already answered invitation; too many starts.
    """
    gate = gate or Gate()
    today = gate.today or today_in_vietnam()
    if isinstance(entry, InvitationLink):
        return _start_invitation(session, entry, respondent, secret, language, today)
    if isinstance(entry, Assignment):
        period = period_open(session, today)
        codes = {choice.code for choice in steps.procedure_choices(session, entry.unit_id)}
        place = assignment_place(session, entry, period, codes)
    else:
        place = visit(session, entry, respondent, today=today)
    if isinstance(respondent, ChatUser):
        return _start_chat(session, place, respondent, language, gate)
    if isinstance(respondent, Browser):
        return _start_browser(session, place, respondent, language, gate)
    return Started(_create(session, place, language=language), place, resumed=False)


def _start_browser(
    session: Session, place: Place, browser: Browser, language: str, gate: Gate
) -> Started:
    """One response per start id and browser: a double tap finds the first tap's response;
    the same start id from another browser (copied from a page) makes a response of its own,
    since the id is derived from the browser's secret too."""
    key_hash = resume_key_hash(browser.resume_key)
    public_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hailong:{browser.start_id}:{key_hash}"))
    existing = responses.by_public_id(session, public_id)
    if existing is not None:
        if existing.counter_id != (place.counter.id if place.counter else None):
            raise BadInput()
        state = responses.load(session, existing, answers=kept.kept_answers(session, existing))
        return Started(_registered(session, state), place, resumed=True)
    if gate.network is not None and place.counter is not None:
        key = f"start:net:{gate.network}:{place.counter.id}"
        _limit(gate, key, STARTS_PER_NETWORK, TooManyStarts)
    state = _create(
        session, place, language=language, public_id=public_id, resume_key_hash=key_hash
    )
    return Started(_registered(session, state), place, resumed=False)


def _start_chat(
    session: Session, place: Place, user: ChatUser, language: str, gate: Gate
) -> Started:
    """One unfinished survey per chat user: the same counter again resumes it; another
    counter (or a new period) starts afresh and leaves the old one abandoned."""
    _lock_respondent(session, user)
    existing = current_chat(session, user)
    if (
        existing is not None
        and existing.response.counter_id == (place.counter.id if place.counter else None)
        and existing.response.period_id == place.period.id
    ):
        return Started(existing, place, resumed=True)
    if place.counter is not None:
        key = f"start:{user.channel}:{user.ref}:{place.counter.id}:{place.period.id}"
        _limit(gate, key, STARTS_PER_RESPONDENT, TooManyRespondentStarts)
    if existing is not None:
        language = existing.response.language
        _set_status(existing.response, ResponseStatus.abandoned)
    state = _create(session, place, language=language, respondent_ref=user.ref)
    return Started(_registered(session, state), place, resumed=False)


def _start_invitation(
    session: Session,
    entry: InvitationLink,
    respondent: Respondent | None,
    secret: str,
    language: str,
    today: date,
) -> Started:
    """A link starts one response; opening it again resumes that response until it is
    finished, and then says the survey was already answered."""
    invitation = invitations.find(session, secret=secret, token=entry.token)
    place = invitation_place(session, invitation)
    if invitation.response_id is not None:
        response = session.get(Response, invitation.response_id)
        if response is not None and response.status == ResponseStatus.in_progress:
            return Started(responses.load(session, response), place, resumed=True)
        if response is not None and response.status != ResponseStatus.abandoned:
            raise ResponseFinished()
    invitations.ensure_unexpired(invitation)
    ensure_still_open(place.period, today)
    key_hash = resume_key_hash(respondent.resume_key) if isinstance(respondent, Browser) else None
    state = _create(session, place, language=language, resume_key_hash=key_hash)
    invitation.response_id = state.response.id
    session.flush()
    return Started(state, place, resumed=False)


def _create(
    session: Session,
    place: Place,
    *,
    language: str,
    public_id: str | None = None,
    respondent_ref: str | None = None,
    resume_key_hash: str | None = None,
) -> SurveyState:
    response = responses.start(
        session,
        unit_id=place.unit.id,
        counter_id=None if place.counter is None else place.counter.id,
        period=place.period,
        channel=place.channel,
        public_id=public_id,
        respondent_ref=respondent_ref,
        resume_key_hash=resume_key_hash,
        enumerator_id=place.enumerator_id,
        language=language,
        # A browser's start looked for its public id a moment ago (_start_browser).
        looked_up=public_id is not None,
    )
    state = responses.load(session, response, answers={})
    if place.known:
        # What the entry knows is answered already (the dossier's procedure): never asked.
        responses.save_answers(session, state, dict(place.known))
    return state


def _limit(gate: Gate, key: str, rule: StartLimit, refusal: type[HailongError]) -> None:
    if gate.limiter is None:
        return
    if not gate.limiter.hit(key, limit=rule.limit, window_seconds=rule.window_seconds):
        raise refusal()


def _lock_respondent(session: Session, user: ChatUser) -> None:
    # Two starts of one chat user at once (two app processes) must not open two responses;
    # there is no row to lock yet, so lock the user's hash (SQLite already serialises).
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(user.ref[:15], 16)})


def resume_key_hash(resume_key: str) -> str:
    """What is stored of a browser's resume key: its hash (the key is random, 128 bits or
    more, so a plain hash cannot be turned back)."""
    return hashlib.sha256(resume_key.encode()).hexdigest()


def resume_browser(
    session: Session,
    *,
    public_id: str,
    resume_key: str,
    counter_id: int | None,
    for_update: bool = False,
) -> SurveyState | None:
    """The browser's own response at this counter, when its cookie's key matches."""
    state = browser_state(
        session, public_id=public_id, resume_key=resume_key, for_update=for_update
    )
    if state is None or state.response.counter_id != counter_id:
        return None
    return state


def browser_state(
    session: Session, *, public_id: str, resume_key: str, for_update: bool = False
) -> SurveyState | None:
    """The browser's own response, when its cookie's key matches, at whichever counter (the
    caller checks that: resume_browser). Its answers from the copy this process kept at
    the row's very write, if it kept one (hailong.responses.kept)."""
    response = responses.by_public_id(session, public_id, for_update=for_update)
    if response is None or response.resume_key_hash != resume_key_hash(resume_key):
        return None
    answers = kept.kept_answers(session, response)
    return _registered(session, responses.load(session, response, answers=answers))


def current_chat(session: Session, user: ChatUser) -> SurveyState | None:
    """The chat user's unfinished response, locked until the transaction ends: two app
    processes handling one chat take turns. From the copy this process kept at its latest
    write, if it kept one (hailong.responses.kept)."""
    noted, written = kept.noted_current(session, (user.channel, user.ref))
    if noted:
        # SQLite: the event's record said which response, at which write, under the lock.
        if written is None:
            return None
        copy = kept.kept_at(session, written)
        if copy is not None:
            response = attached(session, Response, copy.row)
            state = responses.load(session, response, answers=dict(copy.answers))
            return _registered(session, state)
    found = responses.latest_in_progress(
        session, channel=user.channel, respondent_ref=user.ref, for_update=True
    )
    if found is None:
        return None
    response, answers = found
    if answers is None:
        # PostgreSQL: the row read and locked; its answers after the lock.
        answers = kept.kept_answers(session, response)
    return _registered(session, responses.load(session, response, answers=answers))


def _registered(session: Session, state: SurveyState) -> SurveyState:
    """`state`, to be kept once the transaction commits."""
    kept.register(session, state)
    return state


def latest_chat(session: Session, user: ChatUser) -> Response | None:
    """The chat user's most recent response, whatever its state."""
    return responses.latest(session, channel=user.channel, respondent_ref=user.ref)


# Answer ------------------------------------------------------------------------------------


def ensure_may_answer(session: Session, state: SurveyState, today: date | None = None) -> None:
    """Answers are taken only while the response's counter is live and its period is open,
    for every channel (a revoked counter's chat survey stops at its next answer)."""
    response = state.response
    if response.counter_id is not None:
        key = ("counter_live", response.counter_id, response.unit_id)
        if not cached(session, key, lambda: _counter_live(session, response)):
            raise RevokedCounterCode()
    period = cached(session, ("period", response.period_id), lambda: _period(session, response))
    if period is not None:
        ensure_still_open(period, today or today_in_vietnam())


def _counter_live(session: Session, response: Response) -> bool:
    counter = session.get(Counter, response.counter_id)
    unit = session.get(Unit, response.unit_id)
    return counter is not None and counter.active and unit is not None and unit.active


def _period(session: Session, response: Response) -> Period | None:
    period = session.get(Period, response.period_id)
    return None if period is None else detached_copy(period)


def period_open(session: Session, today: date) -> Period:
    """The period open today, or the polite error (through the reference cache)."""

    def load() -> Period:
        return detached_copy(open_period(session, today))

    return cached(session, ("open_period", today), load)


def answer_question(
    session: Session,
    state: SurveyState,
    key: str,
    raw: RawAnswer,
    *,
    today: date | None = None,
    asked: Asked | None = None,
) -> Asked | Finished | Refused:
    """The answer to the question asked now (chats): stored, then the next question.
    `asked`: that question, when the caller has just worked it out from this same state."""
    done = steps.finished(state)
    if done is not None:
        raise ResponseFinished()
    ensure_may_answer(session, state, today)
    now = asked
    if now is None or now.response_id != state.response.id:
        step = steps.question_step(session, state)
        now = step if isinstance(step, Asked) else None
    if now is None or now.question.key != key:
        raise NotAskedNow()
    result = _validate(now.question, raw, now.procedures)
    if isinstance(result, Invalid):
        return Refused({key: result})
    responses.save_answers(session, state, {key: result})
    return steps.question_step(session, state)


def answer_page(
    session: Session,
    state: SurveyState,
    section_key: str,
    posted: Mapping[str, Sequence[str]],
    *,
    today: date | None = None,
) -> Page | Finished | Refused:
    """A page's answers (forms): every field checked, all stored or none, then where "next"
    leads. A criterion needs an explicit choice: a score, or "I prefer not to answer" (sent
    as an empty value); a criterion not sent at all is refused, not taken as a skip.

    `section_key` names the page (its first section). A question that this page's own
    answers rule out (the procedure after "not received yet") is neither checked nor stored.
    A page of optional questions other than criteria may be skipped whole (SKIP_PAGE sent).
    """
    shown = steps.page_to_show(session, state, section_key)
    if not isinstance(shown, Page) or shown.section.key != section_key:
        return shown  # finished, or not a page that may be answered now
    ensure_may_answer(session, state, today)
    if posted.get(SKIP_PAGE) and skippable(shown.questions):
        posted = {question.key: [""] for question in shown.questions}
    values: dict[str, str | None] = {}
    problems: dict[str, Invalid] = {}
    so_far = dict(state.answers)
    applicable = {q.key for q in state.applicable()}
    decisive = decisive_keys(state.questionnaire)
    for question in shown.questions:
        if question.key not in applicable:
            continue
        sent = posted.get(question.key)
        if sent is None and question.kind is QuestionKind.criterion:
            problems[question.key] = Invalid(NO_CHOICE)
            continue
        result = _validate(question, list(sent or ()), shown.procedures)
        if isinstance(result, Invalid):
            problems[question.key] = result
        else:
            values[question.key] = so_far[question.key] = result
            if question.key in decisive:  # a later question on the page may now (not) apply
                applicable = {q.key for q in applicable_questions(state.questionnaire, so_far)}
    if problems:
        return Refused(problems)
    responses.save_answers(session, state, values)
    return steps.page_after(session, state, section_key)


def skippable(questions: Sequence[Question]) -> bool:
    """Whether a page may be skipped whole: every question optional, and none a criterion
    (a criterion's "I prefer not to answer" is chosen one by one, on purpose)."""
    return bool(questions) and all(
        not q.is_required and q.kind is not QuestionKind.criterion for q in questions
    )


def _validate(
    question: Question, raw: RawAnswer, procedures: Sequence[steps.ProcedureChoice]
) -> str | Invalid | None:
    items = [raw] if isinstance(raw, str) else list(raw or ())
    if any(isinstance(item, str) and CONTROL_CHARACTERS.search(item) for item in items):
        return Invalid(CONTROL)
    result = validate_answer(question, raw, procedures=[choice.code for choice in procedures])
    return result if isinstance(result, Invalid) else result.value


# Leave -------------------------------------------------------------------------------------


def cancel(session: Session, state: SurveyState) -> None:
    """The respondent stops: the unfinished response is abandoned and never counted."""
    if state.response.status == ResponseStatus.in_progress:
        _set_status(state.response, ResponseStatus.abandoned)
        session.flush()


def set_language(session: Session, state: SurveyState, language: str) -> None:
    state.response.language = language
    session.flush()


def _set_status(response: Response, status: ResponseStatus) -> None:
    response.status = status
    response.updated_at = utcnow()

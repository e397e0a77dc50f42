"""The survey as a chat: each update turned into stored answers and what to show next.

Synchronous, on a session the caller commits: these functions run inside the update's one
transaction (bot.telegram.context). The conversation's state is only what the database holds:
the citizen's in-progress response and its answers, locked for the length of the transaction so
two app processes handling one chat take turns. Nothing is kept in memory between updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.telegram import rendering
from bot.telegram.callbacks import DONE, SKIP, Page, Pick, Tap
from bot.telegram.rendering import Asked, Gettext, ProcedureChoice, Screen
from hailong.counters import service as counters
from hailong.counters.tokens import normalise_short_code, token_from_payload
from hailong.db import is_postgresql
from hailong.i18n import LANGUAGES, Catalogs
from hailong.models import Channel, Period, Response, ResponseStatus
from hailong.models.base import utcnow
from hailong.periods import service as periods
from hailong.procedures import service as procedures
from hailong.responses import service as responses
from hailong.responses.service import SurveyState
from survey_flows import (
    NO,
    OTHER_PROCEDURE,
    YES,
    Invalid,
    QuestionKind,
    next_question,
    progress,
    validate_answer,
)

CHANNEL = Channel.telegram.value


@dataclass(frozen=True)
class Citizen:
    """Who is writing, as far as we keep it: a keyed hash of the Telegram user id."""

    ref: str
    # The Telegram app's, until recall_language() finds the one chosen with /ngonngu.
    language: str


@dataclass(frozen=True)
class Reply:
    """What the chat shows after one update."""

    message: Screen | None = None  # a new message
    edit: Screen | None = None  # new text for the message whose button was tapped
    keyboard: InlineKeyboardMarkup | None = None  # new buttons only, for that message
    notice: str | None = None  # a short note on the tapped button
    alert: bool = False  # show the note as a box to close, not a passing toast
    # False when the update changes nothing: its transaction is rolled back, event included.
    keep: bool = True


@dataclass
class Turn:
    """One update's view of the conversation: the citizen and the words to answer in."""

    citizen: Citizen
    catalogs: Catalogs
    today: date = field(default_factory=periods.today_in_vietnam)

    def gettext(self, language: str | None = None) -> Gettext:
        return self.catalogs.get(language or self.citizen.language).gettext


def recall_language(session: Session, turn: Turn) -> None:
    """Answer in the language the citizen chose with /ngonngu, if any: called as each update's
    transaction starts, so every reply (a refusal, an old button's note) uses it."""
    chosen = responses.preferred_language(session, channel=CHANNEL, respondent_ref=turn.citizen.ref)
    if chosen in LANGUAGES and chosen != turn.citizen.language:
        turn.citizen = replace(turn.citizen, language=chosen)


# Entry: a deep link, a typed code, a bare /start.


def start_with_payload(session: Session, turn: Turn, payload: str) -> Reply:
    """`/start c_<token>` from the landing page's link: start or resume for that counter."""
    token = token_from_payload(payload)
    if token is None:
        raise counters.UnknownCounter()
    return _begin(session, turn, counters.resolve_token(session, token))


def start_plain(session: Session, turn: Turn) -> Reply:
    """A bare /start resumes an unfinished survey, or asks for the counter's code."""
    state = _current(session, turn)
    if state is not None and (asked := _ask(session, state)) is not None:
        _ = turn.gettext(state.response.language)
        return Reply(
            message=rendering.question_screen(asked, _, lead=rendering.welcome_back(_)),
            keep=False,
        )
    _ = turn.gettext()
    return Reply(message=Screen(rendering.ask_for_code(_)), keep=False)


def _begin(session: Session, turn: Turn, access: counters.CounterAccess) -> Reply:
    period = periods.open_period(session, turn.today)
    _lock_citizen(session, turn.citizen)
    existing = _current(session, turn)
    if (
        existing is not None
        and existing.response.counter_id == access.counter.id
        and existing.response.period_id == period.id
    ):
        _ = turn.gettext(existing.response.language)
        return Reply(message=_next_screen(session, existing, _, lead=rendering.welcome_back(_)))
    language = turn.citizen.language
    if existing is not None:
        # One unfinished survey per citizen: a scan at another counter starts afresh.
        language = existing.response.language
        _set_status(existing.response, ResponseStatus.abandoned)
    response = responses.start(
        session,
        unit_id=access.unit.id,
        counter_id=access.counter.id,
        period=period,
        channel=CHANNEL,
        respondent_ref=turn.citizen.ref,
        language=language,
    )
    state = responses.load(session, response)
    _ = turn.gettext(language)
    lead = rendering.welcome(access.unit.name, _)
    return Reply(message=_next_screen(session, state, _, lead=lead))


def _lock_citizen(session: Session, citizen: Citizen) -> None:
    # Two /start updates of one citizen at once (two processes) must not open two responses;
    # there is no row to lock yet, so lock the citizen's hash (SQLite already serialises).
    if is_postgresql(session):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(citizen.ref[:15], 16)}
        )


# Answers: taps, toggles, pages, typed text.


def take_tap(session: Session, turn: Turn, tap: Tap) -> Reply:
    state = _current(session, turn)
    asked = _asked_now(session, state, tap.response, tap.question)
    if state is None or asked is None:
        return _stale(turn, state)
    _ = turn.gettext(state.response.language)
    raw = _tapped_value(asked, tap.choice)
    if isinstance(raw, _Unrecognised):
        return Reply(notice=rendering.tap_a_button(_), keep=False)
    return _answer(session, turn, state, asked, raw, edit=True)


def take_pick(session: Session, turn: Turn, pick: Pick) -> Reply:
    """A toggle or "Done" in a multiple choice (the priorities)."""
    state = _current(session, turn)
    asked = _asked_now(session, state, pick.response, pick.question)
    if state is None or asked is None or asked.question.kind is not QuestionKind.multi_choice:
        return _stale(turn, state)
    _ = turn.gettext(state.response.language)
    options = asked.question.options
    if not 0 <= pick.selected < (1 << len(options)) or pick.toggle >= len(options):
        return Reply(notice=rendering.tap_a_button(_), keep=False)
    if pick.toggle == DONE:
        codes = [option.code for i, option in enumerate(options) if pick.selected & (1 << i)]
        return _answer(session, turn, state, asked, codes, edit=True)
    if pick.toggle < 0:
        return Reply(notice=rendering.tap_a_button(_), keep=False)
    selected = pick.selected ^ (1 << pick.toggle)
    limit = asked.question.max_choices or len(options)
    if selected.bit_count() > limit:
        return Reply(notice=rendering.invalid_text("too_many", limit, _), keep=False)
    # Nothing is stored until "Done"; the event is, so a repeated delivery flips nothing.
    return Reply(keyboard=rendering.question_keyboard(asked, _, selected=selected))


def turn_page(session: Session, turn: Turn, page: Page) -> Reply:
    state = _current(session, turn)
    asked = _asked_now(session, state, page.response, page.question)
    if state is None or asked is None or asked.question.kind is not QuestionKind.procedure:
        return _stale(turn, state)
    _ = turn.gettext(state.response.language)
    if not 0 <= page.page < asked.page_count():
        return Reply(notice=rendering.tap_a_button(_), keep=False)
    return Reply(keyboard=rendering.question_keyboard(asked, _, page=page.page))


def take_text(session: Session, turn: Turn, typed: str) -> Reply:
    """Typed text: the answer to a text question, or a counter's code, or a nudge."""
    state = _current(session, turn)
    asked = None if state is None else _ask(session, state)
    if state is not None and asked is not None and asked.question.kind is QuestionKind.text:
        return _answer(session, turn, state, asked, typed, edit=False)
    if normalise_short_code(typed) is not None:
        return _begin(session, turn, counters.resolve_short_code(session, typed))
    if state is not None and asked is not None:
        _ = turn.gettext(state.response.language)
        screen = rendering.question_screen(asked, _, lead=rendering.tap_a_button(_))
        return Reply(message=screen, keep=False)
    _ = turn.gettext()
    return Reply(message=Screen(rendering.ask_for_code(_)), keep=False)


def _answer(
    session: Session,
    turn: Turn,
    state: SurveyState,
    asked: Asked,
    raw: str | list[str] | None,
    *,
    edit: bool,
) -> Reply:
    _ = turn.gettext(state.response.language)
    _ensure_open(session, state.response, turn.today)
    codes = [choice.code for choice in asked.procedures]
    result = validate_answer(asked.question, raw, procedures=codes)
    if isinstance(result, Invalid):
        text = rendering.invalid_text(result.reason, result.limit, _)
        return Reply(notice=text, message=None if edit else Screen(text), keep=False)
    responses.save_answers(session, state, {asked.question.key: result.value})
    return Reply(
        edit=rendering.answered_screen(asked, result.value, _) if edit else None,
        message=_next_screen(session, state, _),
    )


class _Unrecognised:
    """A choice no button of ours sends (a forged or garbled callback)."""


_UNRECOGNISED = _Unrecognised()


def _tapped_value(asked: Asked, choice: str) -> str | _Unrecognised | None:
    """A button's choice as the engine's raw answer."""
    question = asked.question
    if choice == SKIP:
        return None
    if question.kind is QuestionKind.yes_no and choice in (YES, NO):
        return choice
    if question.kind is QuestionKind.procedure:
        if choice == OTHER_PROCEDURE:
            return choice
        by_id = {str(p.id): p.code for p in asked.procedures}
        return by_id.get(choice, _UNRECOGNISED)
    if question.kind in (QuestionKind.criterion, QuestionKind.choice) and choice.isdigit():
        index = int(choice)
        if index < len(question.options):
            return question.options[index].code
    return _UNRECOGNISED


# Commands.


def cancel(session: Session, turn: Turn) -> Reply:
    """/huy: the unfinished survey is abandoned and never counted."""
    state = _current(session, turn)
    if state is None:
        _ = turn.gettext()
        return Reply(message=Screen(rendering.nothing_to_cancel(_)), keep=False)
    _set_status(state.response, ResponseStatus.abandoned)
    session.flush()
    return Reply(message=Screen(rendering.cancelled(turn.gettext(state.response.language))))


def other_message(session: Session, turn: Turn) -> Reply:
    """A sticker, a photo, a voice note: none is kept; the citizen is told what works."""
    return Reply(message=Screen(rendering.send_text(turn.gettext())), keep=False)


def unknown_button(session: Session, turn: Turn) -> Reply:
    """A button of some older layout: answered, so its spinner stops, and nothing changes."""
    return Reply(notice=rendering.already_answered(turn.gettext()), keep=False)


def switch_language(session: Session, turn: Turn, wanted: str | None) -> Reply:
    """/ngonngu [vi|en]: the other language (or the one named), kept on the response and for
    the citizen's next surveys."""
    state = _current(session, turn)
    current = turn.citizen.language if state is None else state.response.language
    language = wanted if wanted in LANGUAGES else _other_language(current)
    _ = turn.gettext(language)
    responses.remember_language(
        session, channel=CHANNEL, respondent_ref=turn.citizen.ref, language=language
    )
    if state is None:
        session.flush()
        text = f"{rendering.language_switched(_)}\n\n{rendering.ask_for_code(_)}"
        return Reply(message=Screen(text))
    state.response.language = language
    session.flush()
    return Reply(message=_next_screen(session, state, _, lead=rendering.language_switched(_)))


def _other_language(language: str) -> str:
    return next((other for other in LANGUAGES if other != language), language)


# The state, read from the database.


def _current(session: Session, turn: Turn) -> SurveyState | None:
    """The citizen's unfinished response, locked until the transaction ends."""
    response = responses.latest_in_progress(
        session, channel=CHANNEL, respondent_ref=turn.citizen.ref, for_update=True
    )
    return None if response is None else responses.load(session, response)


def _ask(session: Session, state: SurveyState) -> Asked | None:
    """The question the engine asks now, with its number on this citizen's path."""
    question = next_question(state.questionnaire, state.answers)
    if question is None:
        return None
    number, total = progress(state.questionnaire, state.answers)
    choices: tuple[ProcedureChoice, ...] = ()
    if question.kind is QuestionKind.procedure:
        choices = tuple(
            ProcedureChoice(id=p.id, code=p.code, name=p.name)
            for p in procedures.for_unit(session, state.response.unit_id)
        )
    return Asked(
        response_id=state.response.id,
        question=question,
        section=state.questionnaire.section_of(question.key),
        number=number,
        total=total,
        language=state.response.language,
        procedures=choices,
    )


def _asked_now(
    session: Session, state: SurveyState | None, response_id: int, question_key: str
) -> Asked | None:
    """The question a button names, if it is the one asked now; None for an old message."""
    if state is None or state.response.id != response_id:
        return None
    asked = _ask(session, state)
    if asked is None or asked.question.key != question_key:
        return None
    return asked


def _stale(turn: Turn, state: SurveyState | None) -> Reply:
    language = None if state is None else state.response.language
    return Reply(notice=rendering.already_answered(turn.gettext(language)), keep=False)


def _next_screen(
    session: Session, state: SurveyState, _: Gettext, *, lead: str | None = None
) -> Screen:
    asked = _ask(session, state)
    if asked is not None and state.response.status == ResponseStatus.in_progress:
        return rendering.question_screen(asked, _, lead=lead)
    if state.response.status == ResponseStatus.screened_out:
        return Screen(rendering.thanks_screened_out(_))
    return Screen(rendering.thanks(_))


def _ensure_open(session: Session, response: Response, today: date) -> None:
    period = session.get(Period, response.period_id)
    if period is not None:
        periods.ensure_still_open(period, today)


def _set_status(response: Response, status: ResponseStatus) -> None:
    response.status = status
    response.updated_at = utcnow()

"""The survey as a chat: each event turned into the survey session's calls and a reply.

Synchronous, on a session the caller commits: these functions run inside the event's one
transaction (bot.chat.delivery). The conversation's state is only what the database holds:
the citizen's in-progress response and its answers, locked for the length of the transaction
so two app processes handling one chat take turns. Nothing is kept in memory between events.
Chat-neutral: a Telegram update or a Zalo event arrive here as the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from bot.chat import compact, screens, typed, words
from bot.chat.guessing import CodeGuesses
from bot.chat.payloads import DONE, SKIP, PageTurn, Payload, Pick, Tap, shown_page
from bot.chat.screens import Buttons, Screen
from bot.chat.words import Gettext
from hailong.counters.service import UnknownCounter
from hailong.counters.tokens import normalise_short_code, token_from_payload
from hailong.i18n import LANGUAGES, Catalogs
from hailong.models import ResponseStatus
from hailong.periods.service import today_in_vietnam
from hailong.ratelimit import RateLimiter
from hailong.responses import service as responses
from hailong.responses.service import SurveyState
from hailong.survey import service as survey
from hailong.survey import steps
from hailong.survey.entries import ChatUser, CounterCode, Entry
from hailong.survey.steps import Asked, Finished, Refused
from survey_flows import NO, OTHER_PROCEDURE, YES, QuestionKind, RawAnswer


@dataclass(frozen=True)
class Citizen:
    """Who is writing, as far as we keep it: a keyed hash of the chat's user id."""

    channel: str
    ref: str
    # The chat app's, until recall_language() finds the one chosen with /ngonngu.
    language: str

    @property
    def user(self) -> ChatUser:
        return ChatUser(channel=self.channel, ref=self.ref)


@dataclass(frozen=True)
class Reply:
    """What the chat shows after one event."""

    message: Screen | None = None  # a new message
    edit: Screen | None = None  # new text for the message whose button was tapped
    buttons: Buttons | None = None  # new buttons only, for that message
    notice: str | None = None  # a short note on the tapped button
    alert: bool = False  # show the note as a box to close, not a passing toast
    # False when the event changes nothing: its transaction is rolled back, event included.
    keep: bool = True


@dataclass
class Turn:
    """One event's view of the conversation: the citizen, the words to answer in, and what
    the survey session needs besides (the secret for invitations, the start limits)."""

    citizen: Citizen
    catalogs: Catalogs
    secret: str
    limiter: RateLimiter | None = None
    today: date = field(default_factory=today_in_vietnam)
    page_size: int = screens.PAGE_SIZE
    # Whether "4", "hài lòng" or "0" typed in reply to a question answer it.
    typed_answers: bool = True
    # A chat app that shows few buttons per message (Zalo: 5) gets the compact layout
    # (bot.chat.compact); None: every button a question has.
    max_buttons: int | None = None
    # The limit on guessing counter codes, for a chat that counts them (bot.chat.guessing).
    guesses: CodeGuesses | None = None

    def gettext(self, language: str | None = None) -> Gettext:
        return self.catalogs.get(language or self.citizen.language).gettext


def recall_language(session: Session, turn: Turn) -> None:
    """Answer in the language the citizen chose with /ngonngu, if any: called as each event's
    transaction starts, so every reply (a refusal, an old button's note) uses it."""
    citizen = turn.citizen
    chosen = responses.preferred_language(
        session, channel=citizen.channel, respondent_ref=citizen.ref
    )
    use_language(turn, chosen)


def use_language(turn: Turn, chosen: str | None) -> None:
    """Answer in `chosen`, the language the citizen chose with /ngonngu (None: none chosen);
    recall_language, or the event's record that read it along (bot.chat.delivery)."""
    citizen = turn.citizen
    if chosen in LANGUAGES and chosen != citizen.language:
        turn.citizen = replace(citizen, language=chosen)


# Entry: a deep link's payload, a typed code, a bare start.


def start_with_payload(session: Session, turn: Turn, payload: str) -> Reply:
    """A start link's payload (`c_<token>`): start or resume for that counter."""
    token = token_from_payload(payload)
    if token is None:
        raise UnknownCounter()
    return _begin(session, turn, CounterCode(token=token))


def start_with_code(session: Session, turn: Turn, code: str) -> Reply:
    """A counter's short code sent as a message: start or resume for that counter."""
    return _begin(session, turn, CounterCode(short_code=code))


def start_plain(session: Session, turn: Turn) -> Reply:
    """A bare start resumes an unfinished survey, or asks for the counter's code."""
    state = survey.current_chat(session, turn.citizen.user)
    asked = None if state is None else steps.question_step(session, state)
    if state is not None and isinstance(asked, Asked):
        _ = turn.gettext(state.response.language)
        lead = words.welcome_back(_)
        return Reply(message=_question(turn, asked, _, lead=lead), keep=False)
    _ = turn.gettext()
    return Reply(message=Screen(words.ask_for_code(_)), keep=False)


def _begin(session: Session, turn: Turn, entry: Entry) -> Reply:
    started = survey.start(
        session,
        entry,
        turn.citizen.user,
        secret=turn.secret,
        language=turn.citizen.language,
        gate=survey.Gate(limiter=turn.limiter, today=turn.today),
    )
    state = started.state
    _ = turn.gettext(state.response.language)
    resumed = started.resumed
    lead = words.welcome_back(_) if resumed else words.welcome(started.place.unit.name, _)
    return Reply(message=_next_screen(session, turn, state, _, lead=lead))


# Answers: taps, toggles, pages, typed text.


def take_button(session: Session, turn: Turn, payload: Payload | None) -> Reply:
    """A tap on one of our buttons; None: a payload no layout of ours sends."""
    if isinstance(payload, Tap):
        return take_tap(session, turn, payload)
    if isinstance(payload, Pick):
        return take_pick(session, turn, payload)
    if isinstance(payload, PageTurn):
        return turn_page(session, turn, payload)
    return unknown_button(session, turn)


def take_tap(session: Session, turn: Turn, tap: Tap) -> Reply:
    found = _asked_for(session, turn, tap)
    if isinstance(found, Reply):
        return found
    state, asked = found
    _ = turn.gettext(state.response.language)
    raw = _tapped_value(asked, tap.choice)
    if isinstance(raw, _Unrecognised):
        return Reply(notice=words.tap_a_button(_), keep=False)
    return _answer(session, turn, state, asked, raw, edit=True)


def take_pick(session: Session, turn: Turn, pick: Pick) -> Reply:
    """A toggle or "Done" in a multiple choice (the priorities)."""
    found = _asked_for(session, turn, pick, QuestionKind.multi_choice)
    if isinstance(found, Reply):
        return found
    state, asked = found
    _ = turn.gettext(state.response.language)
    options = asked.question.options
    if not 0 <= pick.selected < (1 << len(options)) or pick.toggle >= len(options):
        return Reply(notice=words.tap_a_button(_), keep=False)
    if pick.toggle == DONE:
        codes = [option.code for i, option in enumerate(options) if pick.selected & (1 << i)]
        return _answer(session, turn, state, asked, codes, edit=True)
    page = shown_page(pick.toggle)
    if page is not None and turn.max_buttons is not None:
        if page >= compact.page_count(asked, turn.max_buttons):
            return Reply(notice=words.tap_a_button(_), keep=False)
        return _redrawn(turn, asked, _, page=page, selected=pick.selected)
    if pick.toggle < 0:
        return Reply(notice=words.tap_a_button(_), keep=False)
    selected = pick.selected ^ (1 << pick.toggle)
    limit = asked.question.max_choices or len(options)
    if selected.bit_count() > limit:
        return Reply(notice=words.invalid_text("too_many", limit, _), keep=False)
    # Nothing is stored until "Done": the selection lives in the buttons, so the same toggle
    # delivered twice draws the same buttons twice and changes nothing.
    if turn.max_buttons is not None:
        page = compact.page_of(asked, pick.toggle, turn.max_buttons)
        return _redrawn(turn, asked, _, page=page, selected=selected)
    buttons = screens.question_buttons(asked, _, selected=selected, page_size=turn.page_size)
    return Reply(buttons=buttons, keep=False)


def turn_page(session: Session, turn: Turn, page: PageTurn) -> Reply:
    if turn.max_buttons is not None:
        return _turn_compact_page(session, turn, page, turn.max_buttons)
    found = _asked_for(session, turn, page, QuestionKind.procedure)
    if isinstance(found, Reply):
        return found
    state, asked = found
    _ = turn.gettext(state.response.language)
    if not 0 <= page.page < screens.page_count(asked, turn.page_size):
        return Reply(notice=words.tap_a_button(_), keep=False)
    buttons = screens.question_buttons(asked, _, page=page.page, page_size=turn.page_size)
    return Reply(buttons=buttons, keep=False)


def _turn_compact_page(session: Session, turn: Turn, page: PageTurn, limit: int) -> Reply:
    """ "More" in a compact layout: the question again, as a new message, with the next page
    (a chat app with few buttons often cannot change a message it has sent)."""
    found = _asked_for(session, turn, page)
    if isinstance(found, Reply):
        return found
    state, asked = found
    _ = turn.gettext(state.response.language)
    paged = asked.question.kind not in (QuestionKind.text, QuestionKind.multi_choice)
    if not paged or not 0 <= page.page < compact.page_count(asked, limit):
        return Reply(notice=words.tap_a_button(_), keep=False)
    return _redrawn(turn, asked, _, page=page.page)


def _redrawn(turn: Turn, asked: Asked, _: Gettext, *, page: int = 0, selected: int = 0) -> Reply:
    """A page or a selection of a compact layout, as a new message; nothing is stored."""
    screen = _question(turn, asked, _, page=page, selected=selected)
    return Reply(message=screen, keep=False)


def take_text(session: Session, turn: Turn, text: str) -> Reply:
    """Typed text: the answer to a text question, a counter's code, a typed answer, or a
    nudge."""
    state = survey.current_chat(session, turn.citizen.user)
    asked = None if state is None else steps.question_step(session, state)
    if state is not None and isinstance(asked, Asked) and asked.question.kind is QuestionKind.text:
        return _answer(session, turn, state, asked, text, edit=False)
    # An answer first: "da nhan" is an answer to the question asked, though its six letters
    # could also be a counter's code.
    if state is not None and isinstance(asked, Asked) and turn.typed_answers:
        understood = typed.understand(asked, text)
        if understood is not None:
            return _answer(session, turn, state, asked, understood.raw, edit=False)
    if normalise_short_code(text) is not None:
        return _typed_code(session, turn, text)
    if state is None or not isinstance(asked, Asked):
        _ = turn.gettext()
        return Reply(message=Screen(words.ask_for_code(_)), keep=False)
    _ = turn.gettext(state.response.language)
    return Reply(message=_question(turn, asked, _, lead=words.tap_a_button(_)), keep=False)


def _typed_code(session: Session, turn: Turn, code: str) -> Reply:
    guesses = turn.guesses
    if guesses is not None and guesses.locked():
        # Nothing is looked up, so a locked-out guesser learns nothing, not even from a hit.
        return Reply(message=Screen(words.too_many_guesses(turn.catalogs)), keep=False)
    try:
        return start_with_code(session, turn, code)
    except UnknownCounter:
        if guesses is not None:
            guesses.miss()
        raise


def _answer(
    session: Session,
    turn: Turn,
    state: SurveyState,
    asked: Asked,
    raw: RawAnswer,
    *,
    edit: bool,
) -> Reply:
    _ = turn.gettext(state.response.language)
    key = asked.question.key
    step = survey.answer_question(session, state, key, raw, today=turn.today, asked=asked)
    if isinstance(step, Refused):
        problem = step.problems[key]
        text = words.invalid_text(problem.reason, problem.limit, _)
        return Reply(notice=text, message=None if edit else Screen(text), keep=False)
    return Reply(
        edit=screens.answered_screen(asked, state.answers.get(key), _) if edit else None,
        message=_step_screen(turn, step, _),
    )


class _Unrecognised:
    """A choice no button of ours sends (a forged or garbled payload)."""


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


# Commands and the rest.


def cancel(session: Session, turn: Turn) -> Reply:
    """/huy: the unfinished survey is abandoned and never counted."""
    state = survey.current_chat(session, turn.citizen.user)
    if state is None:
        _ = turn.gettext()
        return Reply(message=Screen(words.nothing_to_cancel(_)), keep=False)
    survey.cancel(session, state)
    return Reply(message=Screen(words.cancelled(turn.gettext(state.response.language))))


def other_message(session: Session, turn: Turn) -> Reply:
    """A sticker, a photo, a voice note: none is kept; the citizen is told what works."""
    return Reply(message=Screen(words.send_text(turn.gettext())), keep=False)


def unknown_button(session: Session, turn: Turn) -> Reply:
    """A button of some older layout: answered, so its spinner stops, and nothing changes."""
    return Reply(notice=words.already_answered(turn.gettext()), keep=False)


def switch_language(session: Session, turn: Turn, wanted: str | None) -> Reply:
    """/ngonngu [vi|en]: the other language (or the one named), kept on the response and for
    the citizen's next surveys."""
    state = survey.current_chat(session, turn.citizen.user)
    current = turn.citizen.language if state is None else state.response.language
    language = wanted if wanted in LANGUAGES else _other_language(current)
    _ = turn.gettext(language)
    citizen = turn.citizen
    responses.remember_language(
        session, channel=citizen.channel, respondent_ref=citizen.ref, language=language
    )
    if state is None:
        session.flush()
        text = f"{words.language_switched(_)}\n\n{words.ask_for_code(_)}"
        return Reply(message=Screen(text))
    survey.set_language(session, state, language)
    lead = words.language_switched(_)
    return Reply(message=_next_screen(session, turn, state, _, lead=lead))


def _other_language(language: str) -> str:
    return next((other for other in LANGUAGES if other != language), language)


def repeat(session: Session, turn: Turn) -> Reply:
    """What the chat shows now, again: the answer to an event delivered twice.

    The first delivery's reply may never have reached the citizen (its HTTP answer was lost
    and the chat app delivers the event again): the current question, or the end the citizen
    reached, is sent again. It changes nothing, so it can be sent any number of times.
    """
    user = turn.citizen.user
    state = survey.current_chat(session, user)
    if state is not None:
        _ = turn.gettext(state.response.language)
        return Reply(message=_next_screen(session, turn, state, _), keep=False)
    last = survey.latest_chat(session, user)
    if last is None:
        return Reply(message=Screen(words.ask_for_code(turn.gettext())), keep=False)
    _ = turn.gettext(last.language)
    if last.status == ResponseStatus.abandoned:
        return Reply(message=Screen(words.cancelled(_)), keep=False)
    return Reply(message=_step_screen(turn, Finished(ResponseStatus(last.status)), _), keep=False)


# The state, read through the survey session.


def _asked_for(
    session: Session, turn: Turn, payload: Payload, kind: QuestionKind | None = None
) -> tuple[SurveyState, Asked] | Reply:
    """The response and the question a button names, if it is the one asked now (and of the
    kind the button is for); otherwise the note that it was answered already (an old
    message's button)."""
    state = survey.current_chat(session, turn.citizen.user)
    asked = None
    if state is not None and state.response.id == payload.response:
        step = steps.question_step(session, state)
        asked = step if isinstance(step, Asked) else None
    if (
        state is None
        or asked is None
        or asked.question.key != payload.question
        or (kind is not None and asked.question.kind is not kind)
    ):
        language = None if state is None else state.response.language
        return Reply(notice=words.already_answered(turn.gettext(language)), keep=False)
    return state, asked


def _question(
    turn: Turn,
    asked: Asked,
    _: Gettext,
    *,
    lead: str | None = None,
    page: int = 0,
    selected: int = 0,
) -> Screen:
    if turn.max_buttons is not None:
        return compact.question_screen(
            asked, _, limit=turn.max_buttons, lead=lead, page=page, selected=selected
        )
    return screens.question_screen(
        asked, _, lead=lead, page=page, selected=selected, page_size=turn.page_size
    )


def _next_screen(
    session: Session, turn: Turn, state: SurveyState, _: Gettext, *, lead: str | None = None
) -> Screen:
    return _step_screen(turn, steps.question_step(session, state), _, lead=lead)


def _step_screen(
    turn: Turn, step: Asked | Finished, _: Gettext, *, lead: str | None = None
) -> Screen:
    if isinstance(step, Asked):
        return _question(turn, step, _, lead=lead)
    if step.screened_out:
        return Screen(words.thanks_screened_out(_))
    return Screen(words.thanks(_))

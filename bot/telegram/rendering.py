"""Engine questions as Telegram messages: a progress mark, the question, inline buttons.

Pure functions: they take the question as the engine gives it and a gettext function for the
citizen's language, and return text and keyboards. Plain text (no parse mode), so nothing a
questionnaire author writes can break the markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import DONE, SKIP, Page, Pick, Tap
from hailong.counters.service import ReplacedCounterCode, RevokedCounterCode, UnknownCounter
from hailong.errors import HailongError
from hailong.i18n import LANGUAGES, N_, Catalogs
from hailong.periods.service import NoPeriod, PeriodClosed, PeriodNotOpen
from hailong.responses.service import ResponseFinished
from survey_flows import MULTI_SEPARATOR, NO, OTHER_PROCEDURE, YES, Question, QuestionKind, Section

Gettext = Callable[[str], str]

PAGE_SIZE = 6
# Telegram shows about this much of a button on a phone; the rest would be cut anyway.
BUTTON_CHARS = 60
CHECKED = "✅ "
UNCHECKED = "⬜ "
ANSWERED = "✔️ "


@dataclass(frozen=True)
class ProcedureChoice:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Screen:
    """One message as the citizen sees it."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Asked:
    """A question as one message asks it: its place on the citizen's path and its choices."""

    response_id: int
    question: Question
    section: Section
    number: int
    total: int
    language: str
    procedures: tuple[ProcedureChoice, ...] = ()

    def page_count(self) -> int:
        return max(1, -(-len(self.procedures) // PAGE_SIZE))


def question_text(asked: Asked, _: Gettext, *, with_hint: bool = True) -> str:
    question, language = asked.question, asked.language
    heading = _("Question {number}/{total}").format(number=asked.number, total=asked.total)
    lines = [f"{heading} · {asked.section.title.get(language)}"]
    if asked.section.intro is not None and question.kind is QuestionKind.criterion:
        lines.append(asked.section.intro.get(language))
    lines += ["", question.text.get(language)]
    hint = _hint(question, _) if with_hint else None
    if hint:
        lines += ["", hint]
    return "\n".join(lines)


def _hint(question: Question, _: Gettext) -> str | None:
    if question.kind is QuestionKind.text:
        if question.is_required:
            return _("Please type your answer and send it.")
        return _("Please type your answer and send it, or tap “Skip”.")
    if question.kind is QuestionKind.multi_choice:
        limit = question.max_choices or len(question.options)
        return _("Choose up to {limit}, then tap “Done”.").format(limit=limit)
    return None


def question_screen(
    asked: Asked, _: Gettext, *, lead: str | None = None, page: int = 0, selected: int = 0
) -> Screen:
    text = question_text(asked, _)
    if lead:
        text = f"{lead}\n\n{text}"
    return Screen(text, question_keyboard(asked, _, page=page, selected=selected))


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    if len(text) > BUTTON_CHARS:
        text = text[: BUTTON_CHARS - 1].rstrip() + "…"
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def question_keyboard(
    asked: Asked, _: Gettext, *, page: int = 0, selected: int = 0
) -> InlineKeyboardMarkup | None:
    question = asked.question

    def tap(choice: str) -> Tap:
        return Tap(response=asked.response_id, question=question.key, choice=choice)

    rows: list[list[InlineKeyboardButton]] = []
    if question.kind is QuestionKind.yes_no:
        rows.append([_button(_yes_no_label(asked, code), tap(code)) for code in (YES, NO)])
    elif question.kind in (QuestionKind.criterion, QuestionKind.choice):
        rows += [
            [_button(option.label.get(asked.language), tap(str(index)))]
            for index, option in enumerate(question.options)
        ]
    elif question.kind is QuestionKind.procedure:
        rows += _procedure_rows(asked, _, page, tap)
    elif question.kind is QuestionKind.multi_choice:
        rows += _multi_rows(asked, _, selected)
    if not question.is_required:
        rows.append([_button(_("Skip"), tap(SKIP))])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _procedure_rows(
    asked: Asked, _: Gettext, page: int, tap: Callable[[str], Tap]
) -> list[list[InlineKeyboardButton]]:
    first = page * PAGE_SIZE
    rows = [
        [_button(choice.name, tap(str(choice.id)))]
        for choice in asked.procedures[first : first + PAGE_SIZE]
    ]
    turn: list[InlineKeyboardButton] = []

    def to(target: int) -> Page:
        return Page(response=asked.response_id, question=asked.question.key, page=target)

    if page > 0:
        turn.append(_button(_("« Previous"), to(page - 1)))
    if page + 1 < asked.page_count():
        turn.append(_button(_("Next »"), to(page + 1)))
    if turn:
        rows.append(turn)
    rows.append([_button(_other_procedure_label(asked, _), tap(OTHER_PROCEDURE))])
    return rows


def _yes_no_label(asked: Asked, code: str) -> str:
    # The questionnaire words its yes/no answers (its own words, or survey_flows' defaults).
    option = asked.question.option(code)
    return code if option is None else option.label.get(asked.language)


def _other_procedure_label(asked: Asked, _: Gettext) -> str:
    option = asked.question.option(OTHER_PROCEDURE)
    return option.label.get(asked.language) if option is not None else _("Other")


def _multi_rows(asked: Asked, _: Gettext, selected: int) -> list[list[InlineKeyboardButton]]:
    question = asked.question

    def pick(toggle: int) -> Pick:
        return Pick(
            response=asked.response_id, question=question.key, selected=selected, toggle=toggle
        )

    rows = [
        [
            _button(
                (CHECKED if selected & (1 << index) else UNCHECKED)
                + option.label.get(asked.language),
                pick(index),
            )
        ]
        for index, option in enumerate(question.options)
    ]
    rows.append([_button(_("Done"), pick(DONE))])
    return rows


def answer_label(asked: Asked, value: str | None, _: Gettext) -> str:
    """The stored answer in words, as the edited question message shows it."""
    question = asked.question
    if value is None:
        return _("Skipped")
    if question.kind is QuestionKind.yes_no:
        return _yes_no_label(asked, value)
    if question.kind is QuestionKind.procedure:
        names = {choice.code: choice.name for choice in asked.procedures}
        return names.get(value, _other_procedure_label(asked, _))
    labels = {option.code: option.label.get(asked.language) for option in question.options}
    if question.kind is QuestionKind.multi_choice:
        return ", ".join(labels.get(code, code) for code in value.split(MULTI_SEPARATOR))
    return labels.get(value, value)


def answered_screen(asked: Asked, value: str | None, _: Gettext) -> Screen:
    """The question message after the tap: the answer shown, the buttons gone."""
    if value is None:
        chosen = _("Skipped")
    else:
        chosen = _("Your answer: {answer}").format(answer=answer_label(asked, value, _))
    return Screen(f"{question_text(asked, _, with_hint=False)}\n\n{ANSWERED}{chosen}")


def welcome(unit_name: str, _: Gettext) -> str:
    return _(
        "Hello! This is the satisfaction survey of {unit}. One tap per answer; it takes about "
        "five minutes. Send /huy to stop, /ngonngu for English."
    ).format(unit=unit_name)


def welcome_back(_: Gettext) -> str:
    return _("Welcome back! Let us continue where you stopped.")


def ask_for_code(_: Gettext) -> str:
    return _(
        "Hello! Please type the counter code printed under the QR code at the counter "
        "(6 letters and digits), or scan the QR code with your phone's camera."
    )


def thanks(_: Gettext) -> str:
    return _("Thank you for taking part in the survey! Your answers have been recorded.")


def thanks_screened_out(_: Gettext) -> str:
    return _(
        "Thank you! This survey is for people who have received the result of a procedure at "
        "this office since 1 January, so there is nothing more to answer."
    )


def cancelled(_: Gettext) -> str:
    return _(
        "The survey has been cancelled and your answers will not be counted. To start again, "
        "type the counter code or scan the QR code."
    )


def nothing_to_cancel(_: Gettext) -> str:
    return _("You have no survey in progress.")


def language_switched(_: Gettext) -> str:
    # Said in the new language, so the Vietnamese catalog says "Vietnamese" here.
    return _("From now on the survey is in English.")


def already_answered(_: Gettext) -> str:
    return _("This question has already been answered.")


def tap_a_button(_: Gettext) -> str:
    return _("Please tap one of the buttons under the question.")


def send_text(_: Gettext) -> str:
    return _("Please answer with the buttons or a text message.")


# Why an answer was refused (survey_flows.Invalid.reason), in chat words.
INVALID_ANSWER = {
    "required": N_("Please answer this question."),
    "not_an_option": N_("Please tap one of the buttons under the question."),
    "too_long": N_("Please keep your answer under {limit} characters."),
    "too_many": N_("You can choose at most {limit}."),
    "duplicate": N_("Please choose each answer only once."),
}

# The core's polite errors, in chat words (a chat user types a code rather than scans).
REFUSALS: dict[type[HailongError], str] = {
    UnknownCounter: N_(
        "We could not find a counter with this code. Please check the code printed under "
        "the QR code and type it again."
    ),
    ReplacedCounterCode: N_(
        "This code has been replaced by a new one. Please use the code on the new poster at "
        "the counter."
    ),
    RevokedCounterCode: N_(
        "This code is no longer in use. Please ask at the counter for the current one."
    ),
    PeriodNotOpen: N_("The survey is not open yet. It opens on {start}."),
    PeriodClosed: N_("The survey has closed. It ran from {start} to {end}."),
    NoPeriod: N_("No survey is running at the moment."),
    ResponseFinished: N_("This survey has already been sent. Thank you!"),
}


def invalid_text(reason: str, limit: int | None, _: Gettext) -> str:
    return _(INVALID_ANSWER.get(reason, INVALID_ANSWER["not_an_option"])).format(limit=limit)


# Telegram cuts a callback's alert at this many characters.
ALERT_CHARS = 200


def refusal_text(error: HailongError, _: Gettext) -> str:
    message = next(
        (text for kind, text in REFUSALS.items() if isinstance(error, kind)),
        N_("Sorry, something is not right. Please try again."),
    )
    params = {
        key: value.strftime("%d/%m/%Y") if isinstance(value, date) else value
        for key, value in error.params.items()
    }
    return _(message).format(**params)


def refusal_in_both(error: HailongError, catalogs: Catalogs) -> str:
    """A refusal in Vietnamese first, English second: it often comes before any language
    was chosen (an old poster's code, a closed period)."""
    texts = [refusal_text(error, catalogs.get(language).gettext) for language in LANGUAGES]
    return "\n\n".join(dict.fromkeys(texts))

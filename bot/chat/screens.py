"""Questions as chat messages: a progress mark, the question, and buttons as data.

Pure functions: they take the question as the survey session gives it (steps.Asked) and a
gettext function for the citizen's language, and return screens. A chat app's renderer turns
a screen into its own message (Telegram's inline keyboard, Zalo's template with at most five
buttons); a button is only a label and a payload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.payloads import DONE, SKIP, PageTurn, Payload, Pick, Tap
from bot.chat.words import Gettext
from hailong.survey.steps import Asked
from survey_flows import MULTI_SEPARATOR, NO, OTHER_PROCEDURE, YES, QuestionKind
from survey_flows.layout import scale_row

# Procedures shown per message; a chat app with fewer buttons per message asks for fewer.
PAGE_SIZE = 6
CHECKED = "✅ "
UNCHECKED = "⬜ "
ANSWERED = "✔️ "


@dataclass(frozen=True)
class Button:
    label: str
    payload: Payload


Buttons = tuple[tuple[Button, ...], ...]  # rows of buttons, as a phone shows them


@dataclass(frozen=True)
class Screen:
    """One message as the citizen sees it."""

    text: str
    buttons: Buttons = ()


def page_count(asked: Asked, page_size: int = PAGE_SIZE) -> int:
    return max(1, -(-len(asked.procedures) // page_size))


def question_text(asked: Asked, _: Gettext, *, with_hint: bool = True) -> str:
    question, language = asked.question, asked.language
    heading = _("Question {number}/{total}").format(number=asked.number, total=asked.total)
    lines = [f"{heading} · {asked.section.title.get(language)}"]
    if asked.section.intro is not None and question.kind is QuestionKind.criterion:
        lines.append(asked.section.intro.get(language))
    lines += ["", question.text.get(language)]
    if question.kind is QuestionKind.criterion and with_hint:
        lines += ["", scale_legend(asked)]
    hint = _hint(asked, _) if with_hint else None
    if hint:
        lines += ["", hint]
    return "\n".join(lines)


def scale_legend(asked: Asked) -> str:
    """What the numbers on a criterion's buttons mean: "1 Rất không hài lòng · … · 5 Rất hài
    lòng"."""
    row = scale_row(asked.question.options)
    return " · ".join(
        f"{place} {option.label.get(asked.language)}" for place, option in enumerate(row, start=1)
    )


def _hint(asked: Asked, _: Gettext) -> str | None:
    question = asked.question
    if question.kind is QuestionKind.text:
        if question.is_required:
            return _("Please type your answer and send it.")
        return _("Please type your answer and send it, or tap “Skip”.")
    if question.kind is QuestionKind.multi_choice:
        limit = question.max_choices or len(question.options)
        return _("Choose up to {limit}, then tap “Done”.").format(limit=limit)
    return None


def question_screen(
    asked: Asked,
    _: Gettext,
    *,
    lead: str | None = None,
    page: int = 0,
    selected: int = 0,
    page_size: int = PAGE_SIZE,
) -> Screen:
    text = question_text(asked, _)
    if lead:
        text = f"{lead}\n\n{text}"
    buttons = question_buttons(asked, _, page=page, selected=selected, page_size=page_size)
    return Screen(text, buttons)


def question_buttons(
    asked: Asked, _: Gettext, *, page: int = 0, selected: int = 0, page_size: int = PAGE_SIZE
) -> Buttons:
    question = asked.question

    def tap(choice: str) -> Tap:
        return Tap(response=asked.response_id, question=question.key, choice=choice)

    rows: list[tuple[Button, ...]] = []
    if question.kind is QuestionKind.yes_no:
        rows.append(tuple(Button(_yes_no_label(asked, code), tap(code)) for code in (YES, NO)))
    elif question.kind is QuestionKind.criterion:
        # The scale as one row of numbers, its words once in the message (scale_legend): the
        # whole question stays within a phone's screen.
        places = {option.code: index for index, option in enumerate(question.options)}
        rows.append(
            tuple(
                Button(str(place), tap(str(places[option.code])))
                for place, option in enumerate(scale_row(question.options), start=1)
            )
        )
    elif question.kind is QuestionKind.choice:
        rows += [
            (Button(option.label.get(asked.language), tap(str(index))),)
            for index, option in enumerate(question.options)
        ]
    elif question.kind is QuestionKind.procedure:
        rows += _procedure_rows(asked, _, page, page_size, tap)
    elif question.kind is QuestionKind.multi_choice:
        rows += _multi_rows(asked, _, selected)
    if not question.is_required:
        skip = Button(_("Skip"), tap(SKIP))
        if question.kind is QuestionKind.multi_choice:
            # Beside "Done": one row less, so the longest list still fits a phone's screen.
            rows[-1] = (*rows[-1], skip)
        else:
            rows.append((skip,))
    return tuple(rows)


def _procedure_rows(
    asked: Asked, _: Gettext, page: int, page_size: int, tap: Callable[[str], Tap]
) -> list[tuple[Button, ...]]:
    first = page * page_size
    rows: list[tuple[Button, ...]] = [
        (Button(choice.name, tap(str(choice.id))),)
        for choice in asked.procedures[first : first + page_size]
    ]
    turn: list[Button] = []

    def to(target: int) -> PageTurn:
        return PageTurn(response=asked.response_id, question=asked.question.key, page=target)

    if page > 0:
        turn.append(Button(_("« Previous"), to(page - 1)))
    if page + 1 < page_count(asked, page_size):
        turn.append(Button(_("Next »"), to(page + 1)))
    if turn:
        rows.append(tuple(turn))
    rows.append((Button(other_procedure_label(asked, _), tap(OTHER_PROCEDURE)),))
    return rows


def _yes_no_label(asked: Asked, code: str) -> str:
    # The questionnaire words its yes/no answers (its own words, or survey_flows' defaults).
    option = asked.question.option(code)
    return code if option is None else option.label.get(asked.language)


def other_procedure_label(asked: Asked, _: Gettext) -> str:
    option = asked.question.option(OTHER_PROCEDURE)
    return option.label.get(asked.language) if option is not None else _("Other")


def _multi_rows(asked: Asked, _: Gettext, selected: int) -> list[tuple[Button, ...]]:
    question = asked.question

    def pick(toggle: int) -> Pick:
        return Pick(
            response=asked.response_id, question=question.key, selected=selected, toggle=toggle
        )

    rows: list[tuple[Button, ...]] = [
        (
            Button(
                (CHECKED if selected & (1 << index) else UNCHECKED)
                + option.label.get(asked.language),
                pick(index),
            ),
        )
        for index, option in enumerate(question.options)
    ]
    rows.append((Button(_("Done"), pick(DONE)),))
    return rows


def answer_label(asked: Asked, value: str | None, _: Gettext) -> str:
    """The stored answer in words, as the answered question's message shows it."""
    question = asked.question
    if value is None:
        return _("Skipped")
    if question.kind is QuestionKind.yes_no:
        return _yes_no_label(asked, value)
    if question.kind is QuestionKind.procedure:
        names = {choice.code: choice.name for choice in asked.procedures}
        return names.get(value, other_procedure_label(asked, _))
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

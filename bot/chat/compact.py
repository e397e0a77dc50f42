"""Questions for chat apps with few buttons per message (Zalo shows at most five).

The same question as screens.py draws it, whenever that fits. When it does not:
- the answers of a choice or a scale are the buttons, and "skip" is typed ("0"), as the
  question's hint says;
- a longer list (procedures, a long choice, the priorities) shows a page at a time with a
  "More" button that goes round to the first page again, beside "Other" or "Done".
Pages are chosen by buttons whose payloads name them (PageTurn; a Pick for the priorities,
so the selection so far travels with it), never by state kept on the server.
"""

from __future__ import annotations

from bot.chat import screens
from bot.chat.payloads import DONE, PageTurn, Payload, Pick, Tap, page_toggle
from bot.chat.screens import Button, Buttons, Screen
from bot.chat.words import Gettext
from hailong.survey.steps import Asked
from survey_flows import OTHER_PROCEDURE, QuestionKind


def question_screen(
    asked: Asked,
    _: Gettext,
    *,
    limit: int,
    lead: str | None = None,
    page: int = 0,
    selected: int = 0,
) -> Screen:
    text = screens.question_text(asked, _)
    if lead:
        text = f"{lead}\n\n{text}"
    if not fits(asked, _, limit):
        hint = _skip_hint(asked, _)
        if hint:
            text = f"{text}\n\n{hint}"
    return Screen(text, question_buttons(asked, _, limit=limit, page=page, selected=selected))


def fits(asked: Asked, _: Gettext, limit: int) -> bool:
    """Whether the question, every answer and "skip" included, fits in one message as it is."""
    every = screens.question_buttons(asked, _, page_size=max(len(asked.procedures), 1))
    return _count(every) <= limit


def question_buttons(
    asked: Asked, _: Gettext, *, limit: int, page: int = 0, selected: int = 0
) -> Buttons:
    if fits(asked, _, limit):
        return screens.question_buttons(
            asked, _, selected=selected, page_size=max(len(asked.procedures), 1)
        )
    kind = asked.question.kind
    if kind is QuestionKind.procedure:
        return _procedure_page(asked, _, limit, page)
    if kind is QuestionKind.multi_choice:
        return _multi_page(asked, _, limit, page, selected)
    return _choice_page(asked, _, limit, page)


def per_page(asked: Asked, limit: int) -> int:
    """How many answers one message shows: room is left for "More", and for "Other" or
    "Done" where the question has one."""
    kind = asked.question.kind
    extra = 2 if kind in (QuestionKind.procedure, QuestionKind.multi_choice) else 1
    return max(limit - extra, 1)


def page_count(asked: Asked, limit: int) -> int:
    total = (
        len(asked.procedures)
        if asked.question.kind is QuestionKind.procedure
        else len(asked.question.options)
    )
    return max(1, -(-total // per_page(asked, limit)))


def page_of(asked: Asked, index: int, limit: int) -> int:
    """The page that shows answer number `index`."""
    return index // per_page(asked, limit)


def _count(buttons: Buttons) -> int:
    return sum(len(row) for row in buttons)


def _skip_hint(asked: Asked, _: Gettext) -> str | None:
    question = asked.question
    if question.is_required or question.kind is QuestionKind.text:
        return None
    return _("To skip this question, type 0.")


def _more(_: Gettext, payload: Payload) -> Button:
    return Button(_("More"), payload)


def _next_page(asked: Asked, limit: int, page: int) -> int:
    return (page + 1) % page_count(asked, limit)


def _tap(asked: Asked, choice: str) -> Tap:
    return Tap(response=asked.response_id, question=asked.question.key, choice=choice)


def _turn(asked: Asked, page: int) -> PageTurn:
    return PageTurn(response=asked.response_id, question=asked.question.key, page=page)


def _choice_page(asked: Asked, _: Gettext, limit: int, page: int) -> Buttons:
    options = list(enumerate(asked.question.options))
    if len(options) <= limit:
        shown = options
        more = None
    else:
        size = per_page(asked, limit)
        shown = options[page * size : (page + 1) * size]
        more = _turn(asked, _next_page(asked, limit, page))
    rows: list[tuple[Button, ...]] = [
        (Button(option.label.get(asked.language), _tap(asked, str(index))),)
        for index, option in shown
    ]
    if more is not None:
        rows.append((_more(_, more),))
    return tuple(rows)


def _procedure_page(asked: Asked, _: Gettext, limit: int, page: int) -> Buttons:
    size = per_page(asked, limit)
    rows: list[tuple[Button, ...]] = [
        (Button(choice.name, _tap(asked, str(choice.id))),)
        for choice in asked.procedures[page * size : (page + 1) * size]
    ]
    if page_count(asked, limit) > 1:
        rows.append((_more(_, _turn(asked, _next_page(asked, limit, page))),))
    other = screens.other_procedure_label(asked, _)
    rows.append((Button(other, _tap(asked, OTHER_PROCEDURE)),))
    return tuple(rows)


def _multi_page(asked: Asked, _: Gettext, limit: int, page: int, selected: int) -> Buttons:
    question = asked.question
    size = per_page(asked, limit)

    def pick(toggle: int) -> Pick:
        return Pick(
            response=asked.response_id, question=question.key, selected=selected, toggle=toggle
        )

    rows: list[tuple[Button, ...]] = []
    for index, option in list(enumerate(question.options))[page * size : (page + 1) * size]:
        mark = screens.CHECKED if selected & (1 << index) else screens.UNCHECKED
        rows.append((Button(mark + option.label.get(asked.language), pick(index)),))
    if page_count(asked, limit) > 1:
        target = page_toggle(_next_page(asked, limit, page))
        rows.append((_more(_, pick(target)),))
    rows.append((Button(_("Done"), pick(DONE)),))
    return tuple(rows)

"""One web page per questionnaire section: which page may be shown, what it shows, what came back.

Pure functions over the engine: no storage, no HTTP. The engine decides the path (element E
only after feedback), the order and what a valid answer is; this module only lays it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from hailong.i18n import INVALID_ANSWER, N_
from survey_flows import Invalid, Question, QuestionKind, Questionnaire, Section
from survey_flows.engine import (
    MULTI_SEPARATOR,
    OTHER_PROCEDURE,
    Answers,
    applicable_sections,
    next_section,
    previous_section,
    section_questions,
    validate_answer,
)

OTHER_PROCEDURE_LABEL = N_("Another procedure, not in this list")
NO_FIELD_LABEL = N_("Procedures")
SKIP_LABEL = N_("I prefer not to answer")
CONTROL_CHARACTERS_MESSAGE = N_("Please use only ordinary text here.")
# Control characters (other than tab and line breaks) never belong in an answer, and
# PostgreSQL refuses NUL outright: refuse them here, politely, before anything is stored.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Posted = Mapping[str, Sequence[str]]
Procedures = Sequence[tuple[str, str, str]]  # (code, name, field)
Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    chosen: bool


@dataclass(frozen=True)
class ChoiceGroup:
    title: str
    choices: list[Choice]


@dataclass(frozen=True)
class FieldView:
    """A question as the template draws it."""

    key: str
    kind: str
    text: str
    help: str | None
    required: bool
    groups: list[ChoiceGroup] = field(default_factory=list)
    skip: Choice | None = None
    value: str = ""
    error: str | None = None
    max_length: int | None = None
    max_choices: int | None = None


# Navigation -----------------------------------------------------------------------------


def path(questionnaire: Questionnaire, answers: Answers) -> list[Section]:
    """This citizen's pages, in order, as far as the answers so far tell."""
    return applicable_sections(questionnaire, answers)


def reachable(questionnaire: Questionnaire, answers: Answers, key: str) -> Section | None:
    """The page, if it may be shown now: on the path and not past the first unanswered page."""
    upcoming = next_section(questionnaire, answers)
    for section in path(questionnaire, answers):
        if section.key == key:
            return section
        if upcoming is not None and section.key == upcoming.key:
            return None
    return None


def page_after(questionnaire: Questionnaire, answers: Answers, key: str) -> Section | None:
    """Where "next" leads: the following page of the path (already answered if the citizen
    came back to change something), else the first unanswered one."""
    pages = path(questionnaire, answers)
    keys = [section.key for section in pages]
    if key in keys and keys.index(key) + 1 < len(pages):
        return pages[keys.index(key) + 1]
    return next_section(questionnaire, answers)


def previous_page(questionnaire: Questionnaire, answers: Answers, key: str) -> Section | None:
    return previous_section(questionnaire, answers, key)


def page_number(questionnaire: Questionnaire, answers: Answers, key: str) -> tuple[int, int]:
    keys = [section.key for section in path(questionnaire, answers)]
    return (keys.index(key) + 1 if key in keys else 1), len(keys)


def questions_of(
    questionnaire: Questionnaire, section: Section, answers: Answers
) -> list[Question]:
    return section_questions(questionnaire, section, answers)


# Reading a posted page -----------------------------------------------------------------


def read_page(
    questions: Sequence[Question], posted: Posted, procedures: Procedures
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Validate every field of the page: (values to store, {key: msgid of the problem})."""
    codes = [code for code, _name, _field in procedures]
    values: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for question in questions:
        raw = list(posted.get(question.key, ()))
        if any(CONTROL_CHARACTERS.search(item) for item in raw):
            problems[question.key] = CONTROL_CHARACTERS_MESSAGE
            continue
        result = validate_answer(question, raw, procedures=codes)
        if isinstance(result, Invalid):
            problems[question.key] = _problem_message(result)
        else:
            values[question.key] = result.value
    return values, problems


def _problem_message(invalid: Invalid) -> str:
    # Kept as a msgid with its placeholder filled later, in the page's language.
    return INVALID_ANSWER.get(invalid.reason, INVALID_ANSWER["not_an_option"])


def stored_as_posted(questions: Sequence[Question], answers: Answers) -> dict[str, list[str]]:
    """Stored answers in the shape of a posted form, to fill the page in again."""
    shown: dict[str, list[str]] = {}
    for question in questions:
        if question.key not in answers:
            continue
        value = answers[question.key]
        if value is None:
            shown[question.key] = [""]
        elif question.kind is QuestionKind.multi_choice:
            shown[question.key] = value.split(MULTI_SEPARATOR)
        else:
            shown[question.key] = [value]
    return shown


# Drawing a page --------------------------------------------------------------------------


def field_views(
    questions: Sequence[Question],
    shown: Posted,
    problems: Mapping[str, str],
    *,
    language: str,
    gettext: Gettext,
    procedures: Procedures,
) -> list[FieldView]:
    return [
        _field_view(q, shown.get(q.key), problems.get(q.key), language, gettext, procedures)
        for q in questions
    ]


def _field_view(
    question: Question,
    shown: Sequence[str] | None,
    problem: str | None,
    language: str,
    gettext: Gettext,
    procedures: Procedures,
) -> FieldView:
    chosen = set(shown or ())
    groups = _groups(question, chosen, language, gettext, procedures)
    optional_radio = not question.is_required and question.kind in (
        QuestionKind.criterion,
        QuestionKind.choice,
    )
    skip = Choice("", gettext(SKIP_LABEL), shown is not None and "" in chosen)
    return FieldView(
        key=question.key,
        kind=question.kind.value,
        text=question.text.get(language),
        help=question.help.get(language) if question.help else None,
        required=question.is_required,
        groups=groups,
        skip=skip if optional_radio else None,
        value=(shown[0] if shown and question.kind is QuestionKind.text else ""),
        error=_error_text(problem, question, gettext),
        max_length=question.max_length,
        max_choices=question.max_choices,
    )


def _groups(
    question: Question,
    chosen: set[str],
    language: str,
    gettext: Gettext,
    procedures: Procedures,
) -> list[ChoiceGroup]:
    if question.kind is QuestionKind.procedure:
        return _procedure_groups(question, chosen, language, gettext, procedures)
    if question.kind is QuestionKind.text:
        return []
    options = [Choice(o.code, o.label.get(language), o.code in chosen) for o in question.options]
    return [ChoiceGroup("", options)]


def _procedure_groups(
    question: Question,
    chosen: set[str],
    language: str,
    gettext: Gettext,
    procedures: Procedures,
) -> list[ChoiceGroup]:
    """The unit's procedures grouped by field (lĩnh vực), then "another procedure"."""
    by_field = sorted(procedures, key=lambda p: (p[2], p[1].casefold()))
    groups = [
        ChoiceGroup(
            field_name or gettext(NO_FIELD_LABEL),
            [Choice(code, name, code in chosen) for code, name, _ in items],
        )
        for field_name, items in groupby(by_field, key=lambda p: p[2])
    ]
    worded = [o.label.get(language) for o in question.options if o.code == OTHER_PROCEDURE]
    other_label = worded[0] if worded else gettext(OTHER_PROCEDURE_LABEL)
    other = Choice(OTHER_PROCEDURE, other_label, OTHER_PROCEDURE in chosen)
    return [*groups, ChoiceGroup("", [other])]


def _error_text(problem: str | None, question: Question, gettext: Gettext) -> str | None:
    if problem is None:
        return None
    limit = question.max_length if question.kind is QuestionKind.text else question.max_choices
    text = gettext(problem)
    return text.format(limit=limit) if "{limit}" in text else text

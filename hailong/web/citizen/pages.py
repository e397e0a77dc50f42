"""One web page per questionnaire section, drawn: the fields of a page as the template shows
them, with the stored or sent answers and the reasons a field was refused.

Pure functions: no storage, no HTTP. Which page comes next and what a valid answer is are the
survey session's (hailong.survey); this module only lays a page out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from hailong.i18n import INVALID_ANSWER, N_
from hailong.survey.service import CONTROL
from hailong.survey.steps import ProcedureChoice
from survey_flows import Invalid, Question, QuestionKind
from survey_flows.engine import MULTI_SEPARATOR, OTHER_PROCEDURE, Answers

OTHER_PROCEDURE_LABEL = N_("Another procedure, not in this list")
NO_FIELD_LABEL = N_("Procedures")
SKIP_LABEL = N_("I prefer not to answer")
CONTROL_CHARACTERS_MESSAGE = N_("Please use only ordinary text here.")

Posted = Mapping[str, Sequence[str]]
Procedures = Sequence[ProcedureChoice]
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


# Why a field was refused, as a msgid -------------------------------------------------------


def problem_message(invalid: Invalid) -> str:
    """A refused answer's reason as a msgid, its placeholder filled later in the page's
    language."""
    if invalid.reason == CONTROL:
        return CONTROL_CHARACTERS_MESSAGE
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
    by_field = sorted(procedures, key=lambda p: (p.field, p.name.casefold()))
    groups = [
        ChoiceGroup(
            field_name or gettext(NO_FIELD_LABEL),
            [Choice(p.code, p.name, p.code in chosen) for p in items],
        )
        for field_name, items in groupby(by_field, key=lambda p: p.field)
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

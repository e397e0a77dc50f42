"""One web page per questionnaire section, drawn: the fields of a page as the template shows
them, with the stored or sent answers and the reasons a field was refused.

Pure functions: no storage, no HTTP. Which page comes next and what a valid answer is are the
survey session's (hailong.survey); this module only lays a page out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby

from hailong.i18n import INVALID_ANSWER, N_
from hailong.survey.service import CONTROL
from hailong.survey.steps import ProcedureChoice
from survey_flows import Invalid, Question, QuestionKind, Section
from survey_flows.engine import MULTI_SEPARATOR, OTHER_PROCEDURE, Answers
from survey_flows.layout import choice_columns, scale_row

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
    # What a scale's button shows (its place on the scale); the label is for screen readers.
    short: str = ""


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
    # Choices side by side (1 to 3), by the length of their labels.
    columns: int = 1


@dataclass(frozen=True)
class Part:
    """One section of a page: its heading, its intro (unless the part before said the
    same), and its fields."""

    title: str
    intro: str | None
    fields: list[FieldView]


@dataclass(frozen=True)
class LegendItem:
    short: str
    label: str


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
    views: list[FieldView] = []
    gated = False
    for question in questions:
        view = _field_view(
            question,
            shown.get(question.key),
            problems.get(question.key),
            language,
            gettext,
            procedures,
        )
        # After a screening question on the same page, what follows is not needed when the
        # screening answer ends the survey: the browser must not insist on it.
        views.append(replace(view, required=False) if gated else view)
        gated = gated or question.screen_out_unless is not None
    return views


def legend(questions: Sequence[Question], language: str) -> list[LegendItem]:
    """The scale's words, shown once per page above its criteria (none without criteria)."""
    criterion = next((q for q in questions if q.kind is QuestionKind.criterion), None)
    if criterion is None:
        return []
    return [
        LegendItem(str(place), option.label.get(language))
        for place, option in enumerate(scale_row(criterion.options), start=1)
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
    # A criterion is answered on purpose, "I prefer not to answer" included; an optional
    # choice (the profile) is simply left empty, and its page offers "skip this part".
    optional_radio = question.kind is QuestionKind.criterion
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
        columns=_columns(question, groups),
    )


def _columns(question: Question, groups: Sequence[ChoiceGroup]) -> int:
    if question.kind in (QuestionKind.criterion, QuestionKind.procedure):
        return 1
    return choice_columns(c.label for g in groups for c in g.choices)


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
    if question.kind is QuestionKind.criterion:
        row = scale_row(question.options)
        return [
            ChoiceGroup(
                "",
                [
                    Choice(o.code, o.label.get(language), o.code in chosen, short=str(place))
                    for place, o in enumerate(row, start=1)
                ],
            )
        ]
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


def parts(
    sections: Sequence[tuple[Section, Sequence[Question]]],
    shown: Posted,
    problems: Mapping[str, str],
    *,
    language: str,
    gettext: Gettext,
    procedures: Procedures,
) -> list[Part]:
    """A page's sections as the template draws them. The fields are laid out as one list,
    so a screening question gates what follows it on the page, whatever its section."""
    questions = [q for _section, items in sections for q in items]
    views = iter(
        field_views(
            questions, shown, problems, language=language, gettext=gettext, procedures=procedures
        )
    )
    drawn: list[Part] = []
    said: str | None = None
    for section, items in sections:
        intro = section.intro.get(language) if section.intro else None
        drawn.append(
            Part(
                title=section.title.get(language),
                intro=None if intro == said else intro,
                fields=[next(views) for _ in items],
            )
        )
        said = intro or said
    return drawn

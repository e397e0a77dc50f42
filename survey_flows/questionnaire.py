"""Questionnaire versions: YAML data, loaded and validated fully before anything uses them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

LANGUAGES = ("vi", "en")
BUILTIN_PACKAGE = "survey_flows.questionnaires"
DEFAULT_CODE = "sipas-2023"


class QuestionKind(StrEnum):
    criterion = "criterion"  # the five-level satisfaction scale
    yes_no = "yes_no"
    choice = "choice"
    multi_choice = "multi_choice"
    text = "text"
    procedure = "procedure"  # the unit's procedures, or "other"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.vi


class Option(_Strict):
    code: str = Field(min_length=1, max_length=32)
    label: Label


class Condition(_Strict):
    """Ask only when an earlier question was answered with one of these values."""

    question: str
    equals: str | None = None
    any_of: tuple[str, ...] = ()

    def accepted(self) -> tuple[str, ...]:
        return (self.equals,) if self.equals is not None else self.any_of


class Question(_Strict):
    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
    kind: QuestionKind = QuestionKind.criterion
    text: Label
    help: Label | None = None
    required: bool | None = None
    options: tuple[Option, ...] = ()
    max_choices: int | None = None
    max_length: int | None = None
    when: Condition | None = None
    # Screening: any other answer ends the survey politely and nothing is counted.
    screen_out_unless: str | None = None
    # Filled in by the questionnaire from its section; not written in the YAML.
    element: str | None = None

    @property
    def is_required(self) -> bool:
        if self.required is not None:
            return self.required
        # The method lets a citizen leave a criterion unanswered.
        return self.kind is not QuestionKind.criterion

    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)


class Section(_Strict):
    """A group of questions shown on one web page; chats ask them one by one."""

    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
    title: Label
    intro: Label | None = None
    element: str | None = None
    when: Condition | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class FormulaSettings(_Strict):
    element_rule: str = "mean_of_criteria"
    satisfied_codes: tuple[str, ...] = ("4", "5")

    @field_validator("element_rule")
    @classmethod
    def _known_rule(cls, value: str) -> str:
        if value not in ("mean_of_criteria", "pooled"):
            raise ValueError("element_rule must be mean_of_criteria or pooled")
        return value


class Element(_Strict):
    code: str
    label: Label
    criteria: tuple[str, ...]


class Questionnaire(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    title: Label
    settings: FormulaSettings = FormulaSettings()
    scale: tuple[Option, ...] = Field(min_length=2)
    sections: tuple[Section, ...] = Field(min_length=1)

    # Questions in asking order with the scale filled in; built once, the engine reads it often.
    _questions: tuple[Question, ...] = PrivateAttr(default=())
    _by_key: dict[str, Question] = PrivateAttr(default_factory=dict)
    _section_by_key: dict[str, Section] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        self._questions = tuple(self._with_scale(q, s) for s in self.sections for q in s.questions)
        self._by_key = {q.key: q for q in self._questions}
        self._section_by_key = {q.key: s for s in self.sections for q in s.questions}

    def questions(self) -> tuple[Question, ...]:
        return self._questions

    def question(self, key: str) -> Question:
        return self._by_key[key]

    def has_question(self, key: str) -> bool:
        return key in self._by_key

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def section_questions(self, section: Section) -> list[Question]:
        return [self._by_key[q.key] for q in section.questions]

    def section_of(self, key: str) -> Section:
        return self._section_by_key[key]

    def elements(self) -> list[Element]:
        return [
            Element(code=s.element, label=s.title, criteria=tuple(q.key for q in s.questions))
            for s in self.sections
            if s.element
        ]

    def criteria_keys(self) -> list[str]:
        return [key for element in self.elements() for key in element.criteria]

    def _with_scale(self, question: Question, section: Section) -> Question:
        if question.kind is QuestionKind.criterion:
            return question.model_copy(update={"options": self.scale, "element": section.element})
        return question


@dataclass(frozen=True)
class Problem:
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class QuestionnaireError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _place(loc: tuple[Any, ...], raw: Any) -> str:
    """Turn a pydantic location into one a person can find: sections[3](A).questions[1](A2)."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and "key" in node:
                parts[-1] += f"({node['key']})"
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "(top)"


def _semantic_problems(q: Questionnaire) -> list[Problem]:
    problems: list[Problem] = []
    seen_keys: set[str] = set()
    seen_sections: set[str] = set()
    seen_elements: set[str] = set()
    scale_codes = {o.code for o in q.scale}
    for code in q.settings.satisfied_codes:
        if code not in scale_codes:
            problems.append(Problem("settings.satisfied_codes", f"{code!r} is not on the scale"))
    if len(scale_codes) != len(q.scale):
        problems.append(Problem("scale", "option codes repeat"))
    for si, section in enumerate(q.sections):
        where = f"sections[{si}]({section.key})"
        if section.key in seen_sections:
            problems.append(Problem(where, f"section key {section.key!r} repeats"))
        seen_sections.add(section.key)
        if section.element:
            if section.element in seen_elements:
                problems.append(Problem(where, f"element {section.element!r} repeats"))
            seen_elements.add(section.element)
        if section.when:
            problems += _condition_problems(q, section.when, seen_keys, f"{where}.when")
        for qi, question in enumerate(section.questions):
            qwhere = f"{where}.questions[{qi}]({question.key})"
            if question.key in seen_keys:
                problems.append(Problem(qwhere, f"question key {question.key!r} repeats"))
            problems += _question_problems(question, section, qwhere)
            if question.when:
                problems += _condition_problems(q, question.when, seen_keys, f"{qwhere}.when")
            seen_keys.add(question.key)
    return problems


def _question_problems(question: Question, section: Section, where: str) -> list[Problem]:
    problems: list[Problem] = []
    kind = question.kind
    if section.element and kind is not QuestionKind.criterion:
        problems.append(Problem(where, "an element section holds criteria only"))
    if kind is QuestionKind.criterion and not section.element:
        problems.append(Problem(where, "a criterion must sit in a section with an element"))
    if kind in (QuestionKind.choice, QuestionKind.multi_choice):
        if len(question.options) < 2:
            problems.append(Problem(where, "a choice needs at least two options"))
        codes = question.option_codes()
        if len(set(codes)) != len(codes):
            problems.append(Problem(where, "option codes repeat"))
    elif question.options and kind is not QuestionKind.criterion:
        problems.append(Problem(where, f"a {kind} question takes no options"))
    if kind is QuestionKind.multi_choice:
        if not question.max_choices or question.max_choices < 1:
            problems.append(Problem(where, "multi_choice needs max_choices of 1 or more"))
        elif question.max_choices > len(question.options):
            problems.append(Problem(where, "max_choices is larger than the number of options"))
    if kind is QuestionKind.text and (not question.max_length or question.max_length < 1):
        problems.append(Problem(where, "a text question needs max_length"))
    if question.screen_out_unless is not None and kind is not QuestionKind.yes_no:
        problems.append(Problem(where, "screen_out_unless is for yes/no questions"))
    return problems


def _condition_problems(
    q: Questionnaire, condition: Condition, earlier: set[str], where: str
) -> list[Problem]:
    if condition.question not in earlier:
        return [Problem(where, f"refers to {condition.question!r}, which is not asked before it")]
    if not condition.accepted():
        return [Problem(where, "needs equals or any_of")]
    target = q.question(condition.question)
    allowed = _possible_values(target)
    if allowed is not None:
        unknown = [v for v in condition.accepted() if v not in allowed]
        if unknown:
            return [Problem(where, f"values {unknown} are not answers of {condition.question!r}")]
    return []


def _possible_values(question: Question) -> set[str] | None:
    if question.kind is QuestionKind.yes_no:
        return {"yes", "no"}
    if question.kind is QuestionKind.choice:
        return set(question.option_codes())
    return None


def parse_questionnaire(data: Any) -> Questionnaire:
    """Validate a parsed YAML document; raise QuestionnaireError listing every problem."""
    if not isinstance(data, dict):
        raise QuestionnaireError([Problem("(top)", "a questionnaire is a mapping")])
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        raise QuestionnaireError(
            [Problem(_place(tuple(e["loc"]), data), e["msg"]) for e in exc.errors()]
        ) from None
    problems = _semantic_problems(questionnaire)
    if problems:
        raise QuestionnaireError(problems)
    return questionnaire


def load_questionnaire(source: str | Path) -> Questionnaire:
    """Load YAML text or a YAML file."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        raise QuestionnaireError([Problem(place, f"not valid YAML: {exc}")]) from None
    return parse_questionnaire(data)


def builtin_source(code: str = DEFAULT_CODE) -> str:
    return resources.files(BUILTIN_PACKAGE).joinpath(f"{code}.yaml").read_text(encoding="utf-8")


def load_builtin(code: str = DEFAULT_CODE) -> Questionnaire:
    return load_questionnaire(builtin_source(code))

"""Questionnaire versions: YAML data, loaded and validated fully before anything uses them.

Loading never stops at the first mistake: an official fixing a file wants every problem at
once, each with a place they can find (`sections[2](A).questions[1](A2).text.en`, line 57).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

LANGUAGES = ("vi", "en")
BUILTIN_PACKAGE = "survey_flows.questionnaires"
DEFAULT_CODE = "sipas-2023"
YES, NO = "yes", "no"
OTHER_PROCEDURE = "other"
KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
# Codes travel in form fields, CSV cells and chat callback data, and multi-choice answers are
# joined by ";": letters, digits, "_", "." and "-" only.
CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,32}$"


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
    code: str = Field(pattern=CODE_PATTERN)
    label: Label


class Condition(_Strict):
    """Ask only when an earlier question was answered with one of these values."""

    question: str
    equals: str | None = None
    any_of: tuple[str, ...] = ()

    def accepted(self) -> tuple[str, ...]:
        return (self.equals,) if self.equals is not None else self.any_of


class Question(_Strict):
    """One question. In a loaded questionnaire `options` always lists the possible answers
    of a criterion (the scale) and of a yes/no question (its own labels or the version's)."""

    key: str = Field(pattern=KEY_PATTERN)
    kind: QuestionKind = QuestionKind.criterion
    text: Label
    help: Label | None = None
    required: bool | None = None
    # For a procedure question: only the label of "other" ("Thủ tục khác").
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

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


class Section(_Strict):
    """A group of questions shown on one web page; chats ask them one by one."""

    key: str = Field(pattern=KEY_PATTERN)
    title: Label
    intro: Label | None = None
    element: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{1,16}$")
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


DEFAULT_YES_NO = (
    Option(code=YES, label=Label(vi="Có", en="Yes")),
    Option(code=NO, label=Label(vi="Không", en="No")),
)


# Values Questionnaire.remembered keeps before it starts afresh. A path hangs on a handful of
# yes/no answers: a real questionnaire has a few dozen paths, times a few channels and names.
REMEMBERED_LIMIT = 4096
_NOT_YET = object()


class Questionnaire(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    title: Label
    settings: FormulaSettings = FormulaSettings()
    scale: tuple[Option, ...] = Field(min_length=2)
    # How "yes" and "no" read when a question does not word them itself.
    yes_no: tuple[Option, ...] = DEFAULT_YES_NO
    sections: tuple[Section, ...] = Field(min_length=1)

    # Questions in asking order with their answers filled in; built once, the engine reads it often.
    _questions: tuple[Question, ...] = PrivateAttr(default=())
    _by_key: dict[str, Question] = PrivateAttr(default_factory=dict)
    _section_by_key: dict[str, Section] = PrivateAttr(default_factory=dict)
    _conditions: tuple[tuple[Question, Condition | None, Condition | None], ...] = PrivateAttr(
        default=()
    )
    # What other modules work out from the questionnaire once (the form's pages), by name.
    _derived: dict[str, Any] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        # Sections hold the filled questions too, so every way to a question gives the same one.
        sections = tuple(
            s.model_copy(update={"questions": tuple(self._filled(q, s) for q in s.questions)})
            for s in self.sections
        )
        object.__setattr__(self, "sections", sections)
        self._questions = tuple(q for s in sections for q in s.questions)
        self._by_key = {}
        self._section_by_key = {}
        for section in sections:
            for question in section.questions:
                self._by_key.setdefault(question.key, question)
                self._section_by_key.setdefault(question.key, section)
        self._conditions = tuple((q, s.when, q.when) for s in sections for q in s.questions)

    def _kept(self) -> dict[str, Any]:
        """The private attributes, read straight from pydantic's store by the methods every
        answer calls: `self._x` goes through BaseModel.__getattr__, whose descriptor check
        raises and catches an AttributeError on each read."""
        kept: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        return kept

    def questions(self) -> tuple[Question, ...]:
        questions: tuple[Question, ...] = self._kept()["_questions"]
        return questions

    def derived(self, name: str, work_out: Callable[[], Any]) -> Any:
        """A value worked out from this (immutable) questionnaire once and kept with it."""
        derived: dict[str, Any] = self._kept()["_derived"]
        if name not in derived:
            derived[name] = work_out()
        return derived[name]

    def remembered(self, key: Hashable, work_out: Callable[[], Any]) -> Any:
        """`work_out()` kept under `key` for values that depend on the answers as well (the
        paths they lead through): a bounded memory that starts afresh when full. Threads
        share it; a lost race works a value out twice, never wrongly. The value is shared:
        never change it."""
        memory: dict[Hashable, Any] = self.derived("remembered", dict)
        found = memory.get(key, _NOT_YET)
        if found is _NOT_YET:
            if len(memory) >= REMEMBERED_LIMIT:
                memory.clear()
            found = memory[key] = work_out()
        return found

    def conditions(self) -> tuple[tuple[Question, Condition | None, Condition | None], ...]:
        """Each question in asking order with its section's condition and its own."""
        conditions: tuple[tuple[Question, Condition | None, Condition | None], ...] = self._kept()[
            "_conditions"
        ]
        return conditions

    def question(self, key: str) -> Question:
        question: Question = self._kept()["_by_key"][key]
        return question

    def has_question(self, key: str) -> bool:
        return key in self._kept()["_by_key"]

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def section_questions(self, section: Section) -> list[Question]:
        by_key = self._kept()["_by_key"]
        return [by_key[q.key] for q in section.questions]

    def section_of(self, key: str) -> Section:
        section: Section = self._kept()["_section_by_key"][key]
        return section

    def elements(self) -> list[Element]:
        return [
            Element(code=s.element, label=s.title, criteria=tuple(q.key for q in s.questions))
            for s in self.sections
            if s.element
        ]

    def criteria_keys(self) -> list[str]:
        return [key for element in self.elements() for key in element.criteria]

    def _filled(self, question: Question, section: Section) -> Question:
        if question.kind is QuestionKind.criterion:
            return question.model_copy(update={"options": self.scale, "element": section.element})
        if question.kind is QuestionKind.yes_no and not question.options:
            return question.model_copy(update={"options": self.yes_no})
        return question


@dataclass(frozen=True)
class Problem:
    place: str
    message: str
    line: int | None = None  # 1-based line in the YAML file, when loaded from text

    def __str__(self) -> str:
        # A YAML syntax error's place already is its line and column.
        bare = self.line is None or self.place.startswith("line ")
        where = self.place if bare else f"{self.place} (line {self.line})"
        return f"{where}: {self.message}"


class QuestionnaireError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


Loc = tuple[str | int, ...]


@dataclass
class _Found:
    """Problems found so far, each at a location inside the raw document."""

    items: list[tuple[Loc, str]] = field(default_factory=list)

    def add(self, loc: Loc, message: str) -> None:
        self.items.append((loc, message))


# ---------------------------------------------------------------------------------------------
# Reading YAML: keep the node tree so every problem can name its line.


@dataclass
class _Document:
    data: Any
    node: yaml.Node | None
    problems: list[Problem]


def _read_yaml(text: str) -> _Document:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        reason = getattr(exc, "problem", None) or str(exc)
        return _Document(None, None, [Problem(place, f"not valid YAML: {reason}", line)])
    finally:
        loader.dispose()
    return _Document(data, node, [])


def _repeated_mapping_keys(node: yaml.Node | None, loc: Loc = ()) -> Iterator[tuple[Loc, int]]:
    """Keys written twice in one mapping: YAML would silently keep only the last one."""
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in first:
                yield (*loc, key), key_node.start_mark.line + 1
            else:
                first[key] = key_node.start_mark.line + 1
            yield from _repeated_mapping_keys(value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _repeated_mapping_keys(item, (*loc, index))


def _line_at(node: yaml.Node | None, loc: Loc) -> int | None:
    """The line of the deepest node on `loc` (a missing field points at its parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for item in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(item, str):
            child = next((v for k, v in node.value if str(k.value) == item), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
            child = node.value[item] if 0 <= item < len(node.value) else None
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _place(loc: Loc, raw: Any) -> str:
    """Turn a location into one a person can find: sections[3](A).questions[1](A2)."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
            node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                parts[-1] += f"({node['key']})"
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "(top)"


# ---------------------------------------------------------------------------------------------
# Checks beyond the shape: they run on every part that has a valid shape, even when other
# parts do not, so one run reports everything.


@dataclass
class _DraftQuestion:
    loc: Loc
    key: str | None
    question: Question | None


@dataclass
class _DraftSection:
    loc: Loc
    key: str | None
    element: str | None
    when: Condition | None
    questions: list[_DraftQuestion]


def _try(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


_OPTIONS = TypeAdapter(tuple[Option, ...])
_CONDITION = TypeAdapter(Condition)
_QUESTION = TypeAdapter(Question)
_SETTINGS = TypeAdapter(FormulaSettings)


def _string_at(raw: Any, name: str) -> str | None:
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _drafts(data: dict[str, Any]) -> list[_DraftSection]:
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list):
        return []
    drafts: list[_DraftSection] = []
    for si, raw in enumerate(raw_sections):
        if not isinstance(raw, dict):
            continue
        loc: Loc = ("sections", si)
        raw_questions = raw.get("questions")
        questions: list[Any] = raw_questions if isinstance(raw_questions, list) else []
        when = raw.get("when")
        drafts.append(
            _DraftSection(
                loc=loc,
                key=_string_at(raw, "key"),
                element=_string_at(raw, "element"),
                when=None if when is None else _try(_CONDITION, when),
                questions=[
                    _DraftQuestion(
                        (*loc, "questions", qi), _string_at(q, "key"), _try(_QUESTION, q)
                    )
                    for qi, q in enumerate(questions)
                ],
            )
        )
    return drafts


def _semantic_problems(data: dict[str, Any], found: _Found) -> None:
    scale: tuple[Option, ...] | None = _try(_OPTIONS, data.get("scale"))
    scale_codes = None if scale is None else [o.code for o in scale]
    if scale_codes is not None and len(set(scale_codes)) != len(scale_codes):
        found.add(("scale",), "option codes repeat")
    settings: FormulaSettings | None = _try(_SETTINGS, data.get("settings", {}))
    if settings is not None and scale_codes is not None:
        for code in settings.satisfied_codes:
            if code not in scale_codes:
                found.add(("settings", "satisfied_codes"), f"{code!r} is not on the scale")
    if "yes_no" in data:
        yes_no: tuple[Option, ...] | None = _try(_OPTIONS, data["yes_no"])
        if yes_no is not None and sorted(o.code for o in yes_no) != [NO, YES]:
            found.add(("yes_no",), "needs exactly the codes 'yes' and 'no'")
    _section_problems(_drafts(data), set(scale_codes or ()), found)


def _section_problems(drafts: list[_DraftSection], scale: set[str], found: _Found) -> None:
    earlier: dict[str, Question | None] = {}
    sections: set[str] = set()
    elements: set[str] = set()
    for draft in drafts:
        if draft.key is not None:
            if draft.key in sections:
                found.add(draft.loc, f"section key {draft.key!r} repeats")
            sections.add(draft.key)
        if draft.element is not None:
            if draft.element in elements:
                found.add(draft.loc, f"element {draft.element!r} repeats")
            elements.add(draft.element)
        if draft.when is not None:
            _condition_problems(draft.when, earlier, scale, (*draft.loc, "when"), found)
        for item in draft.questions:
            if item.key is not None and item.key in earlier:
                found.add(item.loc, f"question key {item.key!r} repeats")
            if item.question is not None:
                _question_problems(item.question, draft, item.loc, found)
                if item.question.when is not None:
                    _condition_problems(
                        item.question.when, earlier, scale, (*item.loc, "when"), found
                    )
            if item.key is not None:
                earlier.setdefault(item.key, item.question)
    if drafts and not elements:
        found.add(("sections",), "no section has an element, so there is no index to compute")


def _question_problems(question: Question, section: _DraftSection, loc: Loc, found: _Found) -> None:
    kind = question.kind
    if section.element and kind is not QuestionKind.criterion:
        found.add(loc, "an element section holds criteria only")
    if kind is QuestionKind.criterion and not section.element:
        found.add(loc, "a criterion must sit in a section with an element")
    for message in _option_problems(question):
        found.add((*loc, "options"), message)
    if kind is QuestionKind.multi_choice:
        if question.max_choices is None or question.max_choices < 1:
            found.add(loc, "multi_choice needs max_choices of 1 or more")
        elif question.max_choices > len(question.options):
            found.add((*loc, "max_choices"), "max_choices is larger than the number of options")
    elif question.max_choices is not None:
        found.add((*loc, "max_choices"), "max_choices is for multi_choice questions")
    if kind is QuestionKind.text:
        if question.max_length is None or question.max_length < 1:
            found.add(loc, "a text question needs max_length of 1 or more")
    elif question.max_length is not None:
        found.add((*loc, "max_length"), "max_length is for text questions")
    if question.screen_out_unless is not None:
        where = (*loc, "screen_out_unless")
        if kind is not QuestionKind.yes_no:
            found.add(where, "screen_out_unless is for yes/no questions")
        elif question.screen_out_unless not in (YES, NO):
            found.add(where, "screen_out_unless must be 'yes' or 'no'")
        if question.required is False:
            found.add(where, "a screening question must be required")


def _option_problems(question: Question) -> Iterable[str]:
    kind, codes = question.kind, question.option_codes()
    if len(set(codes)) != len(codes):
        yield "option codes repeat"
    if kind in (QuestionKind.choice, QuestionKind.multi_choice):
        if len(codes) < 2:
            yield "a choice needs at least two options"
    elif kind is QuestionKind.yes_no:
        if codes and sorted(codes) != [NO, YES]:
            yield "a yes/no question's options must be exactly 'yes' and 'no'"
    elif kind is QuestionKind.procedure:
        if any(code != OTHER_PROCEDURE for code in codes):
            yield f"a procedure question may only label {OTHER_PROCEDURE!r}"
    elif codes and kind is QuestionKind.criterion:
        yield "a criterion is answered on the questionnaire's scale and takes no options"
    elif codes:
        yield f"a {kind} question takes no options"


def _condition_problems(
    condition: Condition,
    earlier: dict[str, Question | None],
    scale: set[str],
    loc: Loc,
    found: _Found,
) -> None:
    if condition.question not in earlier:
        found.add(
            (*loc, "question"), f"refers to {condition.question!r}, which is not asked before it"
        )
        return
    if (condition.equals is None) == (not condition.any_of):
        found.add(loc, "needs either equals or any_of")
        return
    target = earlier[condition.question]
    if target is None:
        return  # the target has problems of its own, reported at its place
    allowed = _possible_values(target, scale)
    if allowed is None:
        found.add(loc, f"a condition cannot depend on a {target.kind} question")
        return
    unknown = [v for v in condition.accepted() if v not in allowed]
    if unknown:
        found.add(loc, f"values {unknown} are not answers of {condition.question!r}")


def _possible_values(question: Question, scale: set[str]) -> set[str] | None:
    if question.kind is QuestionKind.yes_no:
        return {YES, NO}
    if question.kind is QuestionKind.choice:
        return set(question.option_codes())
    if question.kind is QuestionKind.criterion:
        return scale
    return None  # free text, multi-choice and procedures have no fixed answers to match


# ---------------------------------------------------------------------------------------------
# Entry points.


def _shape_problems(exc: ValidationError) -> list[tuple[Loc, str]]:
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]

    def echo(error: Any) -> bool:
        # A list whose only item is broken is also "too short": say it once, at the item.
        loc = tuple(error["loc"])
        return error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        )

    return [(tuple(e["loc"]), e["msg"]) for e in errors if not echo(e)]


def _parse(data: Any, node: yaml.Node | None, early: list[Problem]) -> Questionnaire:
    if not isinstance(data, dict):
        raise QuestionnaireError([*early, Problem("(top)", "a questionnaire is a mapping", 1)])
    found = _Found()
    questionnaire: Questionnaire | None = None
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        for loc, message in _shape_problems(exc):
            found.add(loc, message)
    _semantic_problems(data, found)
    problems = early + [
        Problem(_place(loc, data), message, _line_at(node, loc)) for loc, message in found.items
    ]
    if node is not None:
        problems.sort(key=lambda p: p.line or 0)
    if problems or questionnaire is None:
        raise QuestionnaireError(problems)
    return questionnaire


def parse_questionnaire(data: Any) -> Questionnaire:
    """Validate a parsed YAML document; raise QuestionnaireError listing every problem."""
    return _parse(data, None, [])


def read_source(path: Path) -> str:
    """A questionnaire file's text (UTF-8, with or without the BOM some editors add)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise QuestionnaireError(
            [Problem(f"line {line}", "the file is not UTF-8 text; save it as UTF-8", line)]
        ) from None


def load_questionnaire(source: str | Path) -> Questionnaire:
    """Load YAML text or a YAML file; raise QuestionnaireError listing every problem."""
    text = read_source(source) if isinstance(source, Path) else source
    document = _read_yaml(text)
    if document.problems:
        raise QuestionnaireError(document.problems)
    repeated = [
        Problem(
            _place(loc, document.data),
            f"{loc[-1]!r} is written twice; YAML keeps only the last",
            line,
        )
        for loc, line in _repeated_mapping_keys(document.node)
    ]
    return _parse(document.data, document.node, repeated)


def builtin_source(code: str = DEFAULT_CODE) -> str:
    return resources.files(BUILTIN_PACKAGE).joinpath(f"{code}.yaml").read_text(encoding="utf-8")


def load_builtin(code: str = DEFAULT_CODE) -> Questionnaire:
    return load_questionnaire(builtin_source(code))

"""The pure survey engine: given a questionnaire and the answers so far, what comes next.

Answers are a mapping of question key to value: a string (a code, or free text), or None when
the citizen skipped an optional question. Multi-choice values are codes joined by ";".
No I/O, no clock, no channel: the web form, the chats, interviews and imports all call this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from survey_flows.questionnaire import (
    Condition,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
)

Answers = Mapping[str, str | None]
RawAnswer = str | Sequence[str] | None

OTHER_PROCEDURE = "other"
MULTI_SEPARATOR = ";"


class SurveyStatus(StrEnum):
    in_progress = "in_progress"
    completed = "completed"
    screened_out = "screened_out"


@dataclass(frozen=True)
class Valid:
    value: str | None


@dataclass(frozen=True)
class Invalid:
    """Why a raw answer was refused; adapters turn the reason into a sentence."""

    reason: str  # required | not_an_option | too_long | too_many | duplicate
    limit: int | None = None


def _holds(condition: Condition | None, answers: Answers) -> bool:
    if condition is None:
        return True
    return answers.get(condition.question) in condition.accepted()


def is_applicable(questionnaire: Questionnaire, question: Question, answers: Answers) -> bool:
    section = questionnaire.section_of(question.key)
    return _holds(section.when, answers) and _holds(question.when, answers)


def screened_out(questionnaire: Questionnaire, answers: Answers) -> bool:
    return any(
        q.screen_out_unless is not None
        and q.key in answers
        and answers[q.key] != q.screen_out_unless
        for q in questionnaire.questions()
    )


def applicable_questions(questionnaire: Questionnaire, answers: Answers) -> list[Question]:
    """The questions this citizen is asked, in order, as far as the answers so far tell."""
    return [q for q in questionnaire.questions() if is_applicable(questionnaire, q, answers)]


def next_question(questionnaire: Questionnaire, answers: Answers) -> Question | None:
    """The first applicable question without an answer; None when finished or screened out."""
    if screened_out(questionnaire, answers):
        return None
    for question in applicable_questions(questionnaire, answers):
        if question.key not in answers:
            return question
    return None


def status(questionnaire: Questionnaire, answers: Answers) -> SurveyStatus:
    if screened_out(questionnaire, answers):
        return SurveyStatus.screened_out
    if next_question(questionnaire, answers) is None:
        return SurveyStatus.completed
    return SurveyStatus.in_progress


def next_section(questionnaire: Questionnaire, answers: Answers) -> Section | None:
    question = next_question(questionnaire, answers)
    return None if question is None else questionnaire.section_of(question.key)


def applicable_sections(questionnaire: Questionnaire, answers: Answers) -> list[Section]:
    seen: list[Section] = []
    for question in applicable_questions(questionnaire, answers):
        section = questionnaire.section_of(question.key)
        if not seen or seen[-1].key != section.key:
            seen.append(section)
    return seen


def previous_section(
    questionnaire: Questionnaire, answers: Answers, current: str
) -> Section | None:
    """The page before `current` on this citizen's path, for a "back" link."""
    path = applicable_sections(questionnaire, answers)
    for index, section in enumerate(path):
        if section.key == current:
            return path[index - 1] if index > 0 else None
    return None


def section_questions(
    questionnaire: Questionnaire, section: Section, answers: Answers
) -> list[Question]:
    """The questions of one page that apply, given the answers of earlier pages."""
    return [
        q
        for q in questionnaire.section_questions(section)
        if is_applicable(questionnaire, q, answers)
    ]


def progress(questionnaire: Questionnaire, answers: Answers) -> tuple[int, int]:
    """(number of the next question, number of questions on this path), both from 1."""
    path = applicable_questions(questionnaire, answers)
    answered = sum(1 for q in path if q.key in answers)
    return min(answered + 1, len(path)), len(path)


def stale_answers(questionnaire: Questionnaire, answers: Answers) -> set[str]:
    """Answers that no longer apply after an earlier answer changed (e.g. feedback yes -> no)."""
    keep = {q.key for q in applicable_questions(questionnaire, answers)}
    return {key for key in answers if key not in keep}


def validate_answer(
    question: Question, raw: RawAnswer, *, procedures: Sequence[str] = ()
) -> Valid | Invalid:
    """Check one raw answer; a valid one comes back in its stored form."""
    if question.kind is QuestionKind.multi_choice:
        return _validate_multi(question, raw)
    value = _single(raw)
    if value is None:
        return Invalid("required") if question.is_required else Valid(None)
    if question.kind is QuestionKind.text:
        limit = question.max_length or 0
        return Valid(value) if len(value) <= limit else Invalid("too_long", limit)
    if value not in _allowed(question, procedures):
        return Invalid("not_an_option")
    return Valid(value)


def _single(raw: RawAnswer) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        items = [item for item in raw if item.strip()]
        if len(items) != 1:
            return None if not items else MULTI_SEPARATOR.join(items)
        raw = items[0]
    value = raw.strip()
    return value or None


def _allowed(question: Question, procedures: Sequence[str]) -> tuple[str, ...]:
    if question.kind is QuestionKind.yes_no:
        return ("yes", "no")
    if question.kind is QuestionKind.procedure:
        return (*procedures, OTHER_PROCEDURE)
    return question.option_codes()


def _validate_multi(question: Question, raw: RawAnswer) -> Valid | Invalid:
    if raw is None:
        items: list[str] = []
    elif isinstance(raw, str):
        items = [item.strip() for item in raw.split(MULTI_SEPARATOR)]
    else:
        items = [item.strip() for item in raw]
    items = [item for item in items if item]
    if not items:
        return Invalid("required") if question.is_required else Valid(None)
    if len(set(items)) != len(items):
        return Invalid("duplicate")
    allowed = question.option_codes()
    if any(item not in allowed for item in items):
        return Invalid("not_an_option")
    limit = question.max_choices or len(allowed)
    if len(items) > limit:
        return Invalid("too_many", limit)
    return Valid(MULTI_SEPARATOR.join(items))

"""The pure survey engine: given a questionnaire and the answers so far, what comes next.

Answers are a mapping of question key to value: a string (a code, or free text), or None when
the citizen skipped an optional question. Multi-choice values are codes joined by ";".
No I/O, no clock, no channel: the web form, the chats, interviews and imports all call this.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from survey_flows.questionnaire import (
    NO,
    OTHER_PROCEDURE,
    YES,
    Condition,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
)

Answers = Mapping[str, str | None]
RawAnswer = str | Sequence[str] | None

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


def is_screened_out_by(question: Question, answers: Answers) -> bool:
    """Whether this screening question's answer ends the survey."""
    return (
        question.screen_out_unless is not None
        and question.key in answers
        and answers[question.key] != question.screen_out_unless
    )


def applicable_questions(questionnaire: Questionnaire, answers: Answers) -> list[Question]:
    """The questions this citizen is asked, in order, as far as the answers so far tell.

    One pass in asking order: a condition sees only answers to questions that themselves apply,
    so a chain of conditions follows a changed answer all the way. A screening answer that
    ends the survey ends the path too.
    """
    return list(_remembered(questionnaire, "applicable", answers, _applicable))


def _applicable(questionnaire: Questionnaire, answers: Answers) -> list[Question]:
    path: list[Question] = []
    effective: dict[str, str | None] = {}
    for question, section_when, question_when in questionnaire.conditions():
        if not (_holds(section_when, effective) and _holds(question_when, effective)):
            continue
        path.append(question)
        if question.key in answers:
            effective[question.key] = answers[question.key]
        if is_screened_out_by(question, answers):
            break
    return path


def is_applicable(questionnaire: Questionnaire, question: Question, answers: Answers) -> bool:
    return any(q.key == question.key for q in applicable_questions(questionnaire, answers))


def decisive_keys(questionnaire: Questionnaire) -> frozenset[str]:
    """The questions whose answers can change the path: those a condition looks at, and the
    screening questions. An answer to any other question leaves applicable_questions as it
    was, so a caller need not work the path out again after it."""

    def work_out() -> frozenset[str]:
        keys = {q.key for q, _, _ in questionnaire.conditions() if q.screen_out_unless is not None}
        for _, section_when, question_when in questionnaire.conditions():
            keys.update(c.question for c in (section_when, question_when) if c is not None)
        return frozenset(keys)

    found: frozenset[str] = questionnaire.derived("decisive_keys", work_out)
    return found


class _Unanswered:
    """A decisive question not answered yet, in a path signature."""

    def __repr__(self) -> str:
        return "unanswered"


_UNANSWERED = _Unanswered()


def path_signature(questionnaire: Questionnaire, answers: Answers) -> tuple[object, ...]:
    """The part of the answers the path hangs on: the answers to decisive_keys, in a fixed
    order, an unanswered one marked as such. applicable_questions and possible_questions read
    nothing else of the answers (a condition looks only at a decisive question, a screening
    question is one), so two sets of answers with one signature have one path."""
    order: tuple[str, ...] = questionnaire.derived(
        "decisive_order", lambda: tuple(sorted(decisive_keys(questionnaire)))
    )
    return tuple(answers.get(key, _UNANSWERED) for key in order)


def _remembered(
    questionnaire: Questionnaire,
    name: str,
    answers: Answers,
    work_out: Callable[[Questionnaire, Answers], list[Question]],
) -> tuple[Question, ...]:
    """work_out(questionnaire, answers), worked out once per path signature: every answer
    of every citizen asks for the path again, and it is the same few paths each time."""
    found: tuple[Question, ...] = questionnaire.remembered(
        (name, path_signature(questionnaire, answers)),
        lambda: tuple(work_out(questionnaire, answers)),
    )
    return found


def screened_out(
    questionnaire: Questionnaire, answers: Answers, path: Sequence[Question] | None = None
) -> bool:
    """`path`, where given: applicable_questions(questionnaire, answers), worked out already."""
    path = applicable_questions(questionnaire, answers) if path is None else path
    return bool(path) and is_screened_out_by(path[-1], answers)


def _is_open(question: Question, answers: Answers) -> bool:
    # A required question stored as None was never really answered (an adapter's slip):
    # ask it again rather than call the survey complete.
    # (The property last: it is asked only of the rare None.)
    return question.key not in answers or (answers[question.key] is None and question.is_required)


def next_question(
    questionnaire: Questionnaire, answers: Answers, path: Sequence[Question] | None = None
) -> Question | None:
    """The first applicable question without an answer; None when finished or screened out.

    `path`, where given: applicable_questions(questionnaire, answers), worked out already."""
    path = applicable_questions(questionnaire, answers) if path is None else path
    if path and is_screened_out_by(path[-1], answers):
        return None
    for question in path:
        if _is_open(question, answers):
            return question
    return None


def status(
    questionnaire: Questionnaire, answers: Answers, path: Sequence[Question] | None = None
) -> SurveyStatus:
    path = applicable_questions(questionnaire, answers) if path is None else path
    if screened_out(questionnaire, answers, path):
        return SurveyStatus.screened_out
    if next_question(questionnaire, answers, path) is None:
        return SurveyStatus.completed
    return SurveyStatus.in_progress


def rates_a_criterion(questionnaire: Questionnaire, answers: Answers) -> bool:
    """Whether at least one criterion has a score: a form without one says nothing of the
    service, so it is kept but counted neither in the index nor toward the quota."""
    return any(answers.get(key) is not None for key in questionnaire.criteria_keys())


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
    keys = {q.key for q in applicable_questions(questionnaire, answers)}
    return [q for q in questionnaire.section_questions(section) if q.key in keys]


def possible_questions(questionnaire: Questionnaire, answers: Answers) -> list[Question]:
    """The questions this citizen may still be asked: those that apply, and those whose
    condition waits on an answer not given yet (element E before the feedback question).

    A progress count over these never grows as the citizen answers: an undecided question
    is counted from the start and dropped when its condition turns out false.
    """
    return list(_remembered(questionnaire, "possible", answers, _possible))


def _possible(questionnaire: Questionnaire, answers: Answers) -> list[Question]:
    path: list[Question] = []
    effective: dict[str, str | None] = {}
    undecided: set[str] = set()
    for question, section_when, question_when in questionnaire.conditions():
        verdicts = [_verdict(c, effective, undecided) for c in (section_when, question_when)]
        if False in verdicts:
            continue
        path.append(question)
        if None in verdicts or question.key not in answers:
            undecided.add(question.key)
        else:
            effective[question.key] = answers[question.key]
        if is_screened_out_by(question, answers):
            break
    return path


def _verdict(condition: Condition | None, effective: Answers, undecided: set[str]) -> bool | None:
    """Whether a condition holds; None while the answer it waits on is not known yet."""
    if condition is None:
        return True
    if condition.question in undecided:
        return None
    return _holds(condition, effective)


def progress(
    questionnaire: Questionnaire, answers: Answers, possible: Sequence[Question] | None = None
) -> tuple[int, int]:
    """(number of the next question, number of questions this citizen may be asked), both
    from 1.

    The total counts a conditional question until its condition is known to be false, so it
    never grows while the citizen goes forward: it only shrinks (feedback "no" drops element
    E). When the survey is over both numbers are equal. `possible`, where given:
    possible_questions(questionnaire, answers), worked out already.
    """
    path = possible_questions(questionnaire, answers) if possible is None else possible
    answered = len([q for q in path if not _is_open(q, answers)])
    return min(answered + 1, len(path)), len(path)


def stale_answers(
    questionnaire: Questionnaire, answers: Answers, path: Sequence[Question] | None = None
) -> set[str]:
    """Answers that no longer apply after an earlier answer changed (e.g. feedback yes -> no).

    `path`, where given: applicable_questions(questionnaire, answers), worked out already."""
    path = applicable_questions(questionnaire, answers) if path is None else path
    keep = {q.key for q in path}
    return {key for key in answers if key not in keep}


def validate_answer(
    question: Question, raw: RawAnswer, *, procedures: Sequence[str] = ()
) -> Valid | Invalid:
    """Check one raw answer; a valid one comes back in its stored form.

    `raw` is what a channel received: a string, a list of form values, or None. Blank means
    skipped. For a procedure question, `procedures` are the codes of the unit's procedures.
    """
    if question.kind is QuestionKind.multi_choice:
        return _validate_multi(question, raw)
    items = _items(raw)
    if items is None:
        return Invalid("not_an_option")
    if len(items) > 1:
        return Invalid("too_many", 1)
    if not items:
        return Invalid("required") if question.is_required else Valid(None)
    if question.kind is QuestionKind.text:
        return _validate_text(question, items[0])
    value = items[0].strip()
    if value not in _allowed(question, procedures):
        return Invalid("not_an_option")
    return Valid(value)


def _items(raw: object) -> list[str] | None:
    """The non-blank values sent, or None when what was sent is not text at all."""
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, Sequence) or not all(isinstance(v, str) for v in values):
        return None
    return [v for v in values if v.strip()]


# C0/C1 control characters other than tab and newline: PostgreSQL refuses NUL in text, and
# the others only garble exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _validate_text(question: Question, raw: str) -> Valid | Invalid:
    # NFC, so a comment typed with a decomposing keyboard counts and compares like any other.
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).strip()
    if not text:
        return Invalid("required") if question.is_required else Valid(None)
    limit = question.max_length or 0
    return Valid(text) if len(text) <= limit else Invalid("too_long", limit)


def _allowed(question: Question, procedures: Sequence[str]) -> tuple[str, ...]:
    if question.kind is QuestionKind.yes_no:
        return (YES, NO)
    if question.kind is QuestionKind.procedure:
        return (*procedures, OTHER_PROCEDURE)
    return question.option_codes()


def _validate_multi(question: Question, raw: RawAnswer) -> Valid | Invalid:
    values = _items(raw)
    if values is None:
        return Invalid("not_an_option")
    items = [item.strip() for value in values for item in value.split(MULTI_SEPARATOR)]
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

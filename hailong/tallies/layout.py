"""Where each answer is counted in a tally row: one position per answer code of each question.

A tally row's counts are one vector, stored packed into one integer (hailong/models/packing.py).
Position 0 counts the responses, then each tallied question has one position per option, in the
questionnaire's order (the scale for a criterion). The mapping is fixed by the questionnaire
version, which every tally row names. Free text and the procedure (a dimension of its own) are
not tallied; a multi-choice answer counts once for each option chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from hailong.models.packing import unpack
from survey_flows import Questionnaire
from survey_flows.engine import MULTI_SEPARATOR
from survey_flows.questionnaire import Question, QuestionKind

RESPONSES_POSITION = 0
# The raw GROUP BYs' stand-in question for "one more response" (see add_value).
RESPONSES_KEY = "__responses__"
YES_NO = ("yes", "no")
TALLIED_KINDS = (
    QuestionKind.criterion,
    QuestionKind.yes_no,
    QuestionKind.choice,
    QuestionKind.multi_choice,
)

# One tally row's counts, in layout order; the first counts the responses.
Vector = list[int]


@dataclass(frozen=True)
class QuestionSlots:
    key: str
    codes: tuple[str, ...]
    multi: bool
    start: int  # the position of its first code in the vector

    @property
    def stop(self) -> int:
        return self.start + len(self.codes)

    @cached_property
    def position_of(self) -> dict[str, int]:
        """Each code's position in the vector, looked up in one step."""
        found: dict[str, int] = {}
        for offset, code in enumerate(self.codes):
            found.setdefault(code, self.start + offset)
        return found

    def positions(self, value: str) -> Iterable[int]:
        """Positions of the codes in a stored answer; codes not on the list are not counted."""
        codes = value.split(MULTI_SEPARATOR) if self.multi else (value,)
        for code in codes:
            position = self.position_of.get(code)
            if position is not None:
                yield position


@dataclass(frozen=True)
class TallyLayout:
    questions: Mapping[str, QuestionSlots]
    width: int  # the length of a vector: the responses and every question's codes

    def vector(self) -> Vector:
        return [0] * self.width

    def spans(self) -> Iterable[tuple[str, int, int]]:
        """(key, start, stop) of the responses' count (RESPONSES_KEY) and of each question."""
        yield RESPONSES_KEY, RESPONSES_POSITION, RESPONSES_POSITION + 1
        for question in self.questions.values():
            yield question.key, question.start, question.stop

    def by_question(self, total: int) -> dict[str, tuple[int, ...]]:
        """A stored total's counts per question (RESPONSES_KEY: the responses), for people.
        Raises CorruptTally when the total cannot be this layout's counts."""
        vector = unpack(total, self.width)
        return {key: vector[start:stop] for key, start, stop in self.spans()}

    def add_answers(
        self, vector: Vector, answers: Mapping[str, str | None], *, sign: int = 1
    ) -> None:
        """Count one response's answers into `vector` (sign -1 takes them out again)."""
        vector[RESPONSES_POSITION] += sign
        # The same counting as positions(), written out: an import of paper forms runs it for
        # every answer of a million responses.
        for key, value in answers.items():
            question = self.questions.get(key)
            if question is None or value is None:
                continue
            position_of = question.position_of
            for code in value.split(MULTI_SEPARATOR) if question.multi else (value,):
                position = position_of.get(code)
                if position is not None:
                    vector[position] += sign

    def add_value(self, vector: Vector, key: str, value: str | None, count: int) -> None:
        """Count `count` identical stored answers (a row of a raw GROUP BY), or `count`
        responses when `key` is RESPONSES_KEY."""
        if key == RESPONSES_KEY:
            vector[RESPONSES_POSITION] += count
            return
        question = self.questions.get(key)
        if question is None or value is None:
            return
        for position in question.positions(value):
            vector[position] += count


def _codes(question: Question) -> tuple[str, ...]:
    if question.kind is QuestionKind.yes_no:
        return YES_NO
    return question.option_codes()


def layout_for(questionnaire: Questionnaire) -> TallyLayout:
    """The questionnaire's layout, worked out once and kept with it (keyed by the object, not
    by hashing the whole questionnaire on every finished response)."""
    found: TallyLayout = questionnaire.derived("tally_layout", lambda: _layout(questionnaire))
    return found


def _layout(questionnaire: Questionnaire) -> TallyLayout:
    questions: dict[str, QuestionSlots] = {}
    start = RESPONSES_POSITION + 1
    for question in questionnaire.questions():
        if question.kind not in TALLIED_KINDS:
            continue
        codes = _codes(question)
        multi = question.kind is QuestionKind.multi_choice
        questions[question.key] = QuestionSlots(question.key, codes, multi, start)
        start += len(codes)
    return TallyLayout(questions=questions, width=start)

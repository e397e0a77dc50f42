"""Where each answer is counted in a tally row: its question, part and slot.

A slot is the answer's position among the question's options (the scale for a criterion), so
the mapping is fixed by the questionnaire version, which every tally row names. Free text and
the procedure (a dimension of its own) are not tallied; a multi-choice answer counts once for
each option chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

from hailong.models.tally import SLOTS
from survey_flows import Questionnaire
from survey_flows.engine import MULTI_SEPARATOR
from survey_flows.questionnaire import Question, QuestionKind

# One row per response and key, so `responses` comes from the tallies too.
RESPONSES_KEY = "__responses__"
YES_NO = ("yes", "no")
TALLIED_KINDS = (
    QuestionKind.criterion,
    QuestionKind.yes_no,
    QuestionKind.choice,
    QuestionKind.multi_choice,
)

Slots = list[int]
# (question key, part) -> counts, one per slot.
Block = dict[tuple[str, int], Slots]


@dataclass(frozen=True)
class QuestionSlots:
    key: str
    codes: tuple[str, ...]
    multi: bool

    @cached_property
    def position_of(self) -> dict[str, int]:
        """Each code's position among the options, looked up in one step."""
        found: dict[str, int] = {}
        for position, code in enumerate(self.codes):
            found.setdefault(code, position)
        return found

    @cached_property
    def places(self) -> dict[str, tuple[int, int]]:
        """(part, slot) of each code: where add_answers counts it."""
        return {code: divmod(position, SLOTS) for code, position in self.position_of.items()}

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

    def codes(self, key: str) -> tuple[str, ...]:
        if key == RESPONSES_KEY:
            return ("",)
        return self.questions[key].codes

    def add_answers(
        self, block: Block, answers: Mapping[str, str | None], *, sign: int = 1
    ) -> None:
        """Count one response's answers into `block` (sign -1 takes them out again)."""
        _add(block, RESPONSES_KEY, 0, sign)
        # The same counting as positions() and _add(), written out: an import of paper forms
        # runs it for every answer of a million responses.
        for key, value in answers.items():
            question = self.questions.get(key)
            if question is None or value is None:
                continue
            places = question.places
            for code in value.split(MULTI_SEPARATOR) if question.multi else (value,):
                place = places.get(code)
                if place is None:
                    continue
                row = block.get((key, place[0]))
                if row is None:
                    row = block[(key, place[0])] = [0] * SLOTS
                row[place[1]] += sign

    def add_value(self, block: Block, key: str, value: str | None, count: int) -> None:
        """Count `count` identical stored answers (a row of a raw GROUP BY)."""
        if key == RESPONSES_KEY:
            _add(block, RESPONSES_KEY, 0, count)
            return
        question = self.questions.get(key)
        if question is None or value is None:
            return
        for position in question.positions(value):
            _add(block, key, position, count)

    def unpack(self, key: str, part: int, slots: Iterable[int], into: Slots) -> None:
        """Add a tally row's slots into a question's counts, one per code in option order."""
        base = part * SLOTS
        for offset, count in enumerate(slots):
            if count and base + offset < len(into):
                into[base + offset] += count


def _add(block: Block, key: str, position: int, count: int) -> None:
    part, slot = divmod(position, SLOTS)
    row = block.get((key, part))
    if row is None:
        row = block[(key, part)] = [0] * SLOTS
    row[slot] += count


def _codes(question: Question) -> tuple[str, ...]:
    if question.kind is QuestionKind.yes_no:
        return YES_NO
    return question.option_codes()


@lru_cache(maxsize=32)
def layout_for(questionnaire: Questionnaire) -> TallyLayout:
    questions = {
        q.key: QuestionSlots(
            key=q.key,
            codes=_codes(q),
            multi=q.kind is QuestionKind.multi_choice,
        )
        for q in questionnaire.questions()
        if q.kind in TALLIED_KINDS
    }
    return TallyLayout(questions=questions)

"""The formula of sipas-methodology.md ("The formula"), on counts that are already gathered.

Counts come from the tallies or from raw answers (hailong/index/counts.py); this module does not
know which, so the two can only agree.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from hailong.index.figures import Ratio, mean, percent
from hailong.models import Period, ReviewState
from survey_flows import Questionnaire

MEAN_OF_UNITS = "mean_of_units"
POOLED = "pooled"
MEAN_OF_CRITERIA = "mean_of_criteria"
DEFAULT_COUNTED_STATES = (ReviewState.pending.value, ReviewState.approved.value)


@dataclass
class UnitCounts:
    """Counted responses and, per question, the count of each answer code in option order."""

    responses: int = 0
    answers: dict[str, list[int]] = field(default_factory=dict)

    def vector(self, key: str, size: int) -> list[int]:
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = [0] * size
        return found

    @classmethod
    def total(cls, parts: Sequence[UnitCounts]) -> UnitCounts:
        """The sum of several counts (a parent's subtree): each question's counts are summed
        column by column, in C, rather than added one part at a time."""
        result = cls(responses=sum(part.responses for part in parts))
        by_key: dict[str, list[list[int]]] = {}
        for part in parts:
            for key, counts in part.answers.items():
                by_key.setdefault(key, []).append(counts)
        for key, vectors in by_key.items():
            result.answers[key] = [sum(column) for column in zip(*vectors, strict=True)]
        return result

    def add(self, other: UnitCounts) -> None:
        self.responses += other.responses
        for key, counts in other.answers.items():
            mine = self.answers.get(key)
            if mine is None:
                self.answers[key] = list(counts)
            else:
                self.answers[key] = list(map(operator.add, mine, counts))


@dataclass(frozen=True)
class Formula:
    """The settings of the questionnaire version and the period that the formula needs."""

    elements: tuple[tuple[str, tuple[str, ...]], ...]
    scale: tuple[str, ...]
    satisfied: tuple[int, ...]  # positions of the satisfied codes on the scale
    element_rule: str
    rollup_rule: str

    @cached_property
    def criteria(self) -> tuple[str, ...]:
        return tuple(key for _, keys in self.elements for key in keys)

    @cached_property
    def counts_order(self) -> tuple[tuple[str, int], ...]:
        """(code, position) of the scale sorted by code: the order of `counts` in the JSON."""
        return tuple(sorted(((code, i) for i, code in enumerate(self.scale)), key=lambda p: p[0]))


def formula_for(questionnaire: Questionnaire, period: Period) -> Formula:
    scale = tuple(option.code for option in questionnaire.scale)
    settings = questionnaire.settings
    return Formula(
        elements=tuple((e.code, e.criteria) for e in questionnaire.elements()),
        scale=scale,
        satisfied=tuple(i for i, code in enumerate(scale) if code in settings.satisfied_codes),
        element_rule=settings.element_rule,
        rollup_rule=period.rollup_rule or MEAN_OF_UNITS,
    )


def counted_states(period: Period) -> tuple[str, ...]:
    """Review states that count: the period's setting, or every state but `rejected`."""
    return tuple(period.counted_review_states or DEFAULT_COUNTED_STATES)


@dataclass
class Figures:
    criteria: dict[str, Ratio | None]
    elements: dict[str, Ratio | None]
    sipas: Ratio | None


class CriterionCounts(NamedTuple):
    valid: int
    satisfied: int


def criterion_counts(counts: UnitCounts, key: str, formula: Formula) -> CriterionCounts:
    return CriterionCounts(*valid_and_satisfied(counts.answers.get(key), formula.satisfied))


def valid_and_satisfied(vector: list[int] | None, satisfied: Sequence[int]) -> tuple[int, int]:
    """(valid answers, satisfied answers) of a criterion's counts. A plain tuple: the national
    index asks this for every criterion of every unit."""
    if vector is None:
        return 0, 0
    return sum(vector), sum([vector[i] for i in satisfied])


def unit_figures(counts: UnitCounts, formula: Formula) -> Figures:
    """Figures of one unit's own responses (or of a pooled subtree, as if one unit)."""
    criteria: dict[str, Ratio | None] = {}
    elements: dict[str, Ratio | None] = {}
    answers, positions = counts.answers, formula.satisfied
    pooled = formula.element_rule == POOLED
    # Written out rather than through criterion_counts: this runs for every unit.
    for code, keys in formula.elements:
        valid = satisfied = 0
        present = []
        for key in keys:
            vector = answers.get(key)
            if vector is None:
                criteria[key] = None
                continue
            key_valid = sum(vector)
            key_satisfied = sum([vector[i] for i in positions])
            ratio = criteria[key] = percent(key_satisfied, key_valid)
            if ratio is not None:
                present.append(ratio)
            valid += key_valid
            satisfied += key_satisfied
        elements[code] = percent(satisfied, valid) if pooled else mean(present)
    return Figures(criteria=criteria, elements=elements, sipas=mean(elements.values()))


def mean_of_members(members: Sequence[Figures], formula: Formula) -> Figures:
    """A parent under `mean_of_units`: each figure is the mean of the members' that exist."""
    return Figures(
        criteria={key: mean(m.criteria[key] for m in members) for key in formula.criteria},
        elements={code: mean(m.elements[code] for m in members) for code, _ in formula.elements},
        sipas=mean(m.sipas for m in members),
    )


def empty_figures(formula: Formula) -> Figures:
    return Figures(
        criteria=dict.fromkeys(formula.criteria),
        elements={code: None for code, _ in formula.elements},
        sipas=None,
    )


def parent_figures(
    *,
    subtree: UnitCounts,
    members: Iterable[Figures],
    formula: Formula,
) -> Figures:
    """A unit with children: rolled up by the period's rule.

    `members` are the figures of the direct children with at least one counted response, plus
    the unit's own figures when it has counted responses of its own.
    """
    if formula.rollup_rule == POOLED:
        return unit_figures(subtree, formula)
    present = list(members)
    if not present:
        return empty_figures(formula)
    return mean_of_members(present, formula)

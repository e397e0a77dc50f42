"""The formula of sipas-methodology.md ("The formula"), on counts that are already gathered.

Counts come from the tallies or from raw answers (hailong/index/counts.py); this module does not
know which, so the two can only agree.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(key for _, keys in self.elements for key in keys)


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


@dataclass(frozen=True)
class CriterionCounts:
    valid: int
    satisfied: int


def criterion_counts(counts: UnitCounts, key: str, formula: Formula) -> CriterionCounts:
    vector = counts.answers.get(key)
    if vector is None:
        return CriterionCounts(0, 0)
    return CriterionCounts(sum(vector), sum(vector[i] for i in formula.satisfied))


def unit_figures(counts: UnitCounts, formula: Formula) -> Figures:
    """Figures of one unit's own responses (or of a pooled subtree, as if one unit)."""
    criteria: dict[str, Ratio | None] = {}
    elements: dict[str, Ratio | None] = {}
    for code, keys in formula.elements:
        valid = satisfied = 0
        for key in keys:
            tally = criterion_counts(counts, key, formula)
            criteria[key] = percent(tally.satisfied, tally.valid)
            valid += tally.valid
            satisfied += tally.satisfied
        if formula.element_rule == POOLED:
            elements[code] = percent(satisfied, valid)
        else:
            elements[code] = mean(criteria[key] for key in keys)
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

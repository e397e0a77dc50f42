"""The formula of sipas-methodology.md ("The formula"), on counts that are already gathered.

Counts come from the tallies or from raw answers (hailong/index/counts.py); this module does not
know which, so the two can only agree.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from hailong.index.figures import Ratio, mean, percent
from hailong.models import Period, ReviewState
from survey_flows import Questionnaire

MEAN_OF_UNITS = "mean_of_units"
POOLED = "pooled"
MEAN_OF_CRITERIA = "mean_of_criteria"
DEFAULT_COUNTED_STATES = (
    ReviewState.received.value,
    ReviewState.has_issues.value,
    ReviewState.approved.value,
)
# Warning signals: the share of answers 2-3 ("some" or "many" officials / cases).
WARNINGS: Mapping[str, tuple[str, ...]] = {
    "harassment": ("2", "3"),
    "extra_payment": ("2", "3"),
}
PRIORITIES_KEY = "priorities"


@dataclass
class UnitCounts:
    """Counted responses and, per question, the count of each answer code in option order;
    and the finished responses left out because they rate no criterion (`unrated`)."""

    responses: int = 0
    answers: dict[str, list[int]] = field(default_factory=dict)
    unrated: int = 0

    def vector(self, key: str, size: int) -> list[int]:
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = [0] * size
        return found

    @classmethod
    def total(cls, parts: Sequence[UnitCounts]) -> UnitCounts:
        """The sum of several counts (a parent's subtree): each question's counts are summed
        column by column, in C, rather than added one part at a time."""
        result = cls(
            responses=sum(part.responses for part in parts),
            unrated=sum(part.unrated for part in parts),
        )
        by_key: dict[str, list[list[int]]] = {}
        for part in parts:
            for key, counts in part.answers.items():
                by_key.setdefault(key, []).append(counts)
        for key, vectors in by_key.items():
            result.answers[key] = [sum(column) for column in zip(*vectors, strict=True)]
        return result

    def add(self, other: UnitCounts) -> None:
        self.responses += other.responses
        self.unrated += other.unrated
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
    def reported_keys(self) -> tuple[str, ...]:
        """The questions whose counts the index reports: the criteria, the warning signals and
        the priorities. The profile and the screening answers are tallied too, for other
        readers; the index reading them would be a fifth more rows for nothing."""
        return (*self.criteria, *WARNINGS, PRIORITIES_KEY)

    @cached_property
    def counts_order(self) -> tuple[tuple[str, int], ...]:
        """(code, position) of the scale sorted by code: the order of `counts` in the JSON."""
        return tuple(sorted(((code, i) for i, code in enumerate(self.scale)), key=lambda p: p[0]))

    @cached_property
    def counts_in_order(self) -> Callable[[Sequence[int]], dict[str, int]]:
        """A criterion's counts vector -> the JSON's `counts` object, built in C: the national
        index makes one for every criterion of every unit."""
        codes = tuple(code for code, _ in self.counts_order)
        positions = tuple(position for _, position in self.counts_order)
        if positions == tuple(range(len(self.scale))):
            return lambda vector: dict(zip(codes, vector, strict=False))
        return lambda vector: {code: vector[i] for code, i in self.counts_order}

    @cached_property
    def satisfied_slice(self) -> slice | None:
        """The satisfied positions as one slice of the scale when they follow each other (the
        usual "4" and "5"), so a criterion's satisfied answers are one C-level sum."""
        positions = self.satisfied
        if positions and positions == tuple(range(positions[0], positions[-1] + 1)):
            return slice(positions[0], positions[-1] + 1)
        return None

    def satisfied_in(self, vector: Sequence[int]) -> int:
        """How many of a criterion's counted answers are satisfied ones."""
        window = self.satisfied_slice
        if window is not None:
            return sum(vector[window])
        return sum([vector[i] for i in self.satisfied])


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
    vector = counts.answers.get(key)
    if vector is None:
        return CriterionCounts(0, 0)
    return CriterionCounts(sum(vector), formula.satisfied_in(vector))


def unit_figures(counts: UnitCounts, formula: Formula) -> Figures:
    """Figures of one unit's own responses (or of a pooled subtree, as if one unit)."""
    criteria: dict[str, Ratio | None] = {}
    elements: dict[str, Ratio | None] = {}
    answers, satisfied_in = counts.answers, formula.satisfied_in
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
            key_satisfied = satisfied_in(vector)
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

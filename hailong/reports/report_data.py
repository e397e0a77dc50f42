"""What a unit's report says, gathered from the computed index before any layout.

Kept apart from the PDF so the rankings (criteria lowest first, children best first) can be read
and checked on their own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from hailong.channels import counted_channels
from hailong.index.figures import Ratio, as_fraction
from hailong.index.formula import PRIORITIES_KEY, criterion_counts
from hailong.index.presenting import Priority, Warning, priorities, warnings
from hailong.index.service import ChannelGroup, IndexNode, QuotaProgress
from hailong.models import Channel
from hailong.reports.selection import ComputedIndex
from survey_flows import Questionnaire


@dataclass(frozen=True)
class ElementLine:
    code: str
    label: str
    value: Ratio | None


@dataclass(frozen=True)
class CriterionLine:
    key: str
    text: str
    valid: int
    satisfied: int
    value: Ratio | None


@dataclass(frozen=True)
class PriorityLine:
    label: str
    priority: Priority


@dataclass(frozen=True)
class ChildLine:
    code: str
    name: str
    responses: int
    sipas: Ratio | None
    elements: tuple[Ratio | None, ...]
    quota: QuotaProgress | None
    leaf: bool


@dataclass(frozen=True)
class Report:
    unit_code: str | None  # None: the whole country
    unit_name: str
    level: str | None
    parent_name: str | None
    period_code: str
    start_date: date
    end_date: date
    channels: ChannelGroup
    # The channels whose responses this report counts and that really bring some: running
    # here or answered through (never a channel the service does not have).
    channels_counted: tuple[str, ...]
    questionnaire_title: str
    questionnaire_code: str
    rollup_rule: str
    responses: int
    sipas: Ratio | None
    elements: list[ElementLine]
    criteria: list[CriterionLine]  # lowest index first; those with none last
    warnings: list[Warning]
    priorities: list[PriorityLine]  # most chosen first
    quota: QuotaProgress | None
    children: list[ChildLine]  # best SIPAS first; those with none last


def _ranked_low_first(value: Ratio | None) -> tuple[int, float]:
    fraction = as_fraction(value)
    return (1, 0.0) if fraction is None else (0, float(fraction))


def criteria_lines(index: ComputedIndex, node: IndexNode, language: str) -> list[CriterionLine]:
    formula, questionnaire = index.result.formula, index.questionnaire
    lines = []
    for key in formula.criteria:
        tally = criterion_counts(node.counts, key, formula)
        lines.append(
            CriterionLine(
                key=key,
                text=questionnaire.question(key).text.get(language),
                valid=tally.valid,
                satisfied=tally.satisfied,
                value=node.figures.criteria[key],
            )
        )
    # Stable sort: equal figures keep the questionnaire's order.
    return sorted(lines, key=lambda line: _ranked_low_first(line.value))


def element_lines(index: ComputedIndex, node: IndexNode, language: str) -> list[ElementLine]:
    labels = {e.code: e.label.get(language) for e in index.questionnaire.elements()}
    return [
        ElementLine(code, labels.get(code, code), node.figures.elements[code])
        for code, _ in index.result.formula.elements
    ]


def priority_lines(
    index: ComputedIndex, node: IndexNode, questionnaire: Questionnaire, language: str
) -> list[PriorityLine]:
    labels: dict[str, str] = {}
    if questionnaire.has_question(PRIORITIES_KEY):
        question = questionnaire.question(PRIORITIES_KEY)
        labels = {option.code: option.label.get(language) for option in question.options}
    return [
        PriorityLine(labels.get(p.code, p.code), p) for p in priorities(index.result, node.counts)
    ]


def child_lines(index: ComputedIndex, node: IndexNode) -> list[ChildLine]:
    codes = [code for code, _ in index.result.formula.elements]
    lines = [
        ChildLine(
            code="" if child.unit is None else child.unit.code,
            name=child.name,
            responses=child.counts.responses,
            sipas=child.figures.sipas,
            elements=tuple(child.figures.elements[code] for code in codes),
            quota=child.quota,
            leaf=not child.children,
        )
        for child in node.children
    ]
    # Best first: the negated figure ranks high values first, and sorting is stable.
    return sorted(lines, key=lambda line: _ranked_low_first(_negated(line.sipas)))


def _negated(value: Ratio | None) -> Ratio | None:
    return None if value is None else (-value[0], value[1])


def build_report(
    index: ComputedIndex,
    *,
    language: str,
    running: Collection[str] = (),
    answered: Collection[str] = (),
) -> Report:
    """The report's content; `running` are the channels the service runs, `answered` those
    that brought counted responses."""
    node, period = index.result.root, index.selection.period
    questionnaire = index.questionnaire
    every = tuple(c.value for c in Channel)
    official = tuple(period.official_channels or ()) or every
    candidates = official if index.result.channels is ChannelGroup.official else every
    return Report(
        unit_code=None if node.unit is None else node.unit.code,
        unit_name=node.name,
        level=None if node.unit is None else node.unit.level,
        parent_name=None if index.parent is None else index.parent.name,
        period_code=period.code,
        start_date=period.start_date,
        end_date=period.end_date,
        channels=index.result.channels,
        channels_counted=tuple(counted_channels(candidates, running=running, answered=answered)),
        questionnaire_title=questionnaire.title.get(language),
        questionnaire_code=questionnaire.code,
        rollup_rule=index.result.formula.rollup_rule,
        responses=node.counts.responses,
        sipas=node.figures.sipas,
        elements=element_lines(index, node, language),
        criteria=criteria_lines(index, node, language),
        warnings=warnings(index.result, node.counts),
        priorities=priority_lines(index, node, questionnaire, language),
        quota=node.quota,
        children=child_lines(index, node),
    )

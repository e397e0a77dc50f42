"""The SIPAS index of a unit (or of the whole country) and of everything below it.

The tree is read once, each unit's own counts are read once (O(units) tally rows), and the
formula runs bottom-up in memory: a parent's figures come from its children's.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.index.counts import (
    Decoder,
    Selection,
    add_unrated,
    counts_by_counter,
    counts_by_procedure,
    unit_counts_from_answers,
    unit_counts_from_tallies,
)
from hailong.index.formula import (
    Figures,
    Formula,
    UnitCounts,
    counted_states,
    formula_for,
    parent_figures,
    unit_figures,
)
from hailong.models import Counter, Period, Procedure, Quota, Unit
from hailong.questionnaires.service import questionnaire_by_id

P = ParamSpec("P")
T = TypeVar("T")


def without_gc(function: Callable[P, T]) -> Callable[P, T]:
    """Run `function` with Python's cycle collector paused.

    The national index allocates a few hundred thousand small dicts, lists and tuples, none in
    a cycle; the collector would walk them again and again as they pile up (a quarter of the
    time). Reference counting still frees everything at once afterwards.
    """

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> T:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused


class ChannelGroup(StrEnum):
    official = "official"
    all = "all"


class Source(StrEnum):
    tallies = "tallies"
    answers = "answers"


class UnknownChannelGroup(BadInput):
    message = N_("Channels must be 'official' or 'all'.")


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    active: bool


@dataclass
class QuotaProgress:
    """Forms gathered against the quota: `counted` caps each unit at its own quota, so one
    unit's surplus never hides another's shortfall."""

    target: int = 0
    counted: int = 0
    units: int = 0
    units_met: int = 0
    unrated: int = 0  # finished forms that rate no criterion: not counted toward it

    def add(self, other: QuotaProgress) -> None:
        self.target += other.target
        self.counted += other.counted
        self.units += other.units
        self.units_met += other.units_met
        self.unrated += other.unrated


@dataclass
class IndexNode:
    unit: UnitInfo | None  # None: the whole country
    name: str
    counts: UnitCounts  # the subtree's counted responses
    own_counts: UnitCounts
    figures: Figures
    own: Figures | None  # a unit with children and responses of its own
    children: list[IndexNode] = field(default_factory=list)
    quota: QuotaProgress | None = None


@dataclass
class IndexResult:
    period: Period
    channels: ChannelGroup
    formula: Formula
    codes: Mapping[str, tuple[str, ...]]  # each tallied question's answer codes, in order
    root: IndexNode


@dataclass(frozen=True)
class QuotaBook:
    default: int
    overrides: Mapping[int, int]
    with_counters: frozenset[int]

    def target(self, unit_id: int) -> int:
        # Same rule as hailong.periods.service.quota_for, for every unit in one query.
        return self.overrides.get(unit_id, self.default)


def selection_for(
    period: Period,
    channels: ChannelGroup | str,
    unit: Unit | None,
    formula: Formula | None = None,
) -> Selection:
    """Which responses count; with a formula, only the questions its index reports are read."""
    try:
        group = ChannelGroup(channels)
    except ValueError:
        raise UnknownChannelGroup() from None
    # A period that names no official channel counts every channel as official.
    official = tuple(period.official_channels or ()) or None
    return Selection(
        period_id=period.id,
        questionnaire_id=period.questionnaire_id,
        channels=official if group is ChannelGroup.official else None,
        states=counted_states(period),
        unit_path=None if unit is None else unit.path,
        keys=None if formula is None else formula.reported_keys,
    )


def load_tree(session: Session, unit: Unit | None) -> list[UnitInfo]:
    query = select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.parent_id, Unit.active)
    if unit is not None:
        query = query.where(Unit.path.startswith(unit.path))
    return [UnitInfo(*row) for row in session.execute(query.order_by(Unit.code))]


def load_quotas(session: Session, period: Period) -> QuotaBook:
    overrides = dict(
        session.execute(select(Quota.unit_id, Quota.quota).where(Quota.period_id == period.id))
        .tuples()
        .all()
    )
    with_counters = frozenset(
        session.scalars(select(Counter.unit_id).where(Counter.active).distinct())
    )
    return QuotaBook(period.default_quota, overrides, with_counters)


class TreeBuilder:
    """Builds IndexNodes bottom-up from each unit's own counts."""

    def __init__(
        self,
        units: list[UnitInfo],
        own_counts: Mapping[int, UnitCounts],
        formula: Formula,
        quotas: QuotaBook | None,
    ) -> None:
        self.formula = formula
        self.own_counts = own_counts
        self.quotas = quotas
        self.children: dict[int | None, list[UnitInfo]] = {}
        ids = {u.id for u in units}
        for info in units:
            parent = info.parent_id if info.parent_id in ids else None
            self.children.setdefault(parent, []).append(info)

    def roots(self) -> list[UnitInfo]:
        return self.children.get(None, [])

    def node(self, info: UnitInfo) -> IndexNode:
        children = [self.node(child) for child in self.children.get(info.id, [])]
        own_counts = self.own_counts.get(info.id) or UnitCounts()
        return self._combine(info, info.name, own_counts, children)

    def national(self, name: str) -> IndexNode:
        children = [self.node(root) for root in self.roots()]
        return self._combine(None, name, UnitCounts(), children)

    def _combine(
        self,
        info: UnitInfo | None,
        name: str,
        own_counts: UnitCounts,
        children: list[IndexNode],
    ) -> IndexNode:
        if not children:
            figures = unit_figures(own_counts, self.formula)
            node = IndexNode(info, name, own_counts, own_counts, figures, None)
        else:
            counts = UnitCounts.total([own_counts, *(child.counts for child in children)])
            own = unit_figures(own_counts, self.formula) if own_counts.responses else None
            # Members of the roll-up: children with a counted response, and the unit itself
            # when it has counters and responses of its own (a pre-2025 district, say).
            members = [c.figures for c in children if c.counts.responses > 0]
            if own is not None:
                members.append(own)
            figures = parent_figures(subtree=counts, members=members, formula=self.formula)
            node = IndexNode(info, name, counts, own_counts, figures, own, children)
        if self.quotas is not None:
            node.quota = self._quota(info, own_counts, children)
        return node

    def _quota(
        self, info: UnitInfo | None, own_counts: UnitCounts, children: list[IndexNode]
    ) -> QuotaProgress:
        assert self.quotas is not None
        progress = QuotaProgress(unrated=own_counts.unrated)
        takes_surveys = (
            info is not None
            and info.active
            and (not children or info.id in self.quotas.with_counters)
        )
        if info is not None and takes_surveys:
            target = self.quotas.target(info.id)
            progress.target = target
            progress.counted = min(own_counts.responses, target)
            progress.units = 1
            progress.units_met = int(own_counts.responses >= target)
        for child in children:
            if child.quota is not None:
                progress.add(child.quota)
        return progress


def _own_counts(session: Session, selection: Selection, source: Source) -> Mapping[int, UnitCounts]:
    if source is Source.answers:
        counts = unit_counts_from_answers(session, selection)
    else:
        counts = unit_counts_from_tallies(session, selection)
    add_unrated(session, selection, counts)
    return counts


@without_gc
def compute_index(
    session: Session,
    period: Period,
    *,
    unit: Unit | None = None,
    channels: ChannelGroup | str = ChannelGroup.official,
    source: Source | str = Source.tallies,
    national_name: str = "Cả nước",
) -> IndexResult:
    """The index of `unit` and its subtree, or of the whole country when `unit` is None."""
    formula = formula_for(questionnaire_by_id(session, period.questionnaire_id), period)
    selection = selection_for(period, channels, unit, formula)
    units = load_tree(session, unit)
    own_counts = _own_counts(session, selection, Source(source))
    builder = TreeBuilder(units, own_counts, formula, load_quotas(session, period))
    if unit is None:
        root = builder.national(national_name)
    else:
        root_info = next(info for info in units if info.id == unit.id)
        root = builder.node(root_info)
    return IndexResult(period, ChannelGroup(channels), formula, _codes(session, period), root)


def _codes(session: Session, period: Period) -> dict[str, tuple[str, ...]]:
    decoder = Decoder(session, period.questionnaire_id)
    return {key: q.codes for key, q in decoder.main.questions.items()}


@dataclass
class CounterIndex:
    counter_id: int  # 0: responses without a counter (paper forms, e-mail links)
    name: str | None
    node: IndexNode


def index_by_counter(
    session: Session, period: Period, unit: Unit, *, channels: ChannelGroup | str
) -> list[CounterIndex]:
    """The figures of each counter of the unit (its own responses, not its subtree's)."""
    formula = formula_for(questionnaire_by_id(session, period.questionnaire_id), period)
    selection = selection_for(period, channels, unit, formula)
    counts = counts_by_counter(session, selection, unit.id)
    names = dict(
        session.execute(select(Counter.id, Counter.name).where(Counter.unit_id == unit.id))
        .tuples()
        .all()
    )
    ids = sorted(set(names) | set(counts))
    result = []
    for counter_id in ids:
        own = counts.get(counter_id) or UnitCounts()
        figures = unit_figures(own, formula)
        node = IndexNode(None, names.get(counter_id, ""), own, own, figures, None)
        result.append(CounterIndex(counter_id, names.get(counter_id), node))
    return result


@dataclass
class FieldIndex:
    field: str  # "" when the procedure has no field or none was given
    result: IndexResult


@without_gc
def index_by_field(
    session: Session,
    period: Period,
    *,
    unit: Unit | None,
    channels: ChannelGroup | str,
    national_name: str = "Cả nước",
) -> list[FieldIndex]:
    """The index per procedure field (lĩnh vực), each rolled up over the tree like the whole."""
    formula = formula_for(questionnaire_by_id(session, period.questionnaire_id), period)
    selection = selection_for(period, channels, unit, formula)
    fields = dict(session.execute(select(Procedure.code, Procedure.field)).tuples().all())
    per_field: dict[str, dict[int, UnitCounts]] = {}
    for (unit_id, code), counts in counts_by_procedure(session, selection).items():
        own = per_field.setdefault(fields.get(code, "") or "", {})
        if unit_id in own:
            own[unit_id].add(counts)
        else:
            own[unit_id] = counts
    units = load_tree(session, unit)
    codes = _codes(session, period)
    result = []
    for name in sorted(per_field):
        builder = TreeBuilder(units, per_field[name], formula, None)
        root = (
            builder.national(national_name)
            if unit is None
            else builder.node(next(info for info in units if info.id == unit.id))
        )
        index = IndexResult(period, ChannelGroup(channels), formula, codes, root)
        result.append(FieldIndex(name, index))
    return result


def prune(node: IndexNode, shown: Collection[int]) -> None:
    """Leave out the units below `node` not in `shown` (and everything below them): their
    counts stay in the figures above them, but nothing names them."""
    node.children = [c for c in node.children if c.unit is not None and c.unit.id in shown]
    for child in node.children:
        prune(child, shown)


def walk(node: IndexNode, visit: Callable[[IndexNode, int], None], depth: int = 0) -> None:
    """Depth-first, parents before children."""
    visit(node, depth)
    for child in node.children:
        walk(child, visit, depth + 1)

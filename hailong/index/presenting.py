"""The index as the methodology's JSON ("Index as JSON"), and the figures reported beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from hailong.index.figures import Ratio, percent, shown
from hailong.index.formula import PRIORITIES_KEY, WARNINGS, Figures, Formula, UnitCounts
from hailong.index.service import (
    CounterIndex,
    FieldIndex,
    IndexNode,
    IndexResult,
    QuotaProgress,
    without_gc,
)


# Not frozen dataclasses, whose __init__ is slow: the national index makes nine per unit.
class Warning(NamedTuple):
    key: str
    answered: int
    flagged: int

    @property
    def share(self) -> Ratio | None:
        return percent(self.flagged, self.answered)


@dataclass(slots=True)
class Priority:
    code: str
    count: int
    share: Ratio | None  # of the counted responses


def warnings(result: IndexResult, counts: UnitCounts) -> list[Warning]:
    found = []
    for key, flagged_codes in WARNINGS.items():
        codes = result.codes.get(key)
        if codes is None:
            continue
        vector = counts.answers.get(key) or [0] * len(codes)
        flagged = sum(n for code, n in zip(codes, vector, strict=True) if code in flagged_codes)
        found.append(Warning(key, sum(vector), flagged))
    return found


def priorities(result: IndexResult, counts: UnitCounts) -> list[Priority]:
    """Improvement priorities, most often chosen first (ties keep the questionnaire's order)."""
    codes = result.codes.get(PRIORITIES_KEY, ())
    vector = counts.answers.get(PRIORITIES_KEY) or [0] * len(codes)
    ranked = sorted(zip(codes, vector, strict=True), key=lambda pair: -pair[1])
    return [Priority(code, n, percent(n, counts.responses)) for code, n in ranked]


def criteria_json(counts: UnitCounts, figures: Figures, formula: Formula) -> dict[str, Any]:
    in_order, satisfied_in = formula.counts_in_order, formula.satisfied_in
    empty = [0] * len(formula.scale)
    answers, ratios = counts.answers, figures.criteria
    # Written out rather than through helpers: this runs for every criterion of every unit.
    result = {}
    for key in formula.criteria:
        vector = answers.get(key) or empty
        result[key] = {
            "index": shown(ratios[key]),
            "valid": sum(vector),
            "satisfied": satisfied_in(vector),
            "counts": in_order(vector),
        }
    return result


def figures_json(counts: UnitCounts, figures: Figures, formula: Formula) -> dict[str, Any]:
    return {
        "responses": counts.responses,
        "sipas": shown(figures.sipas),
        "elements": {code: {"index": shown(v)} for code, v in figures.elements.items()},
        "criteria": criteria_json(counts, figures, formula),
    }


def quota_json(quota: QuotaProgress | None) -> dict[str, Any] | None:
    if quota is None:
        return None
    return {
        "target": quota.target,
        "counted": quota.counted,
        "percent": shown(percent(quota.counted, quota.target)),
        "units": quota.units,
        "units_met": quota.units_met,
        "unrated": quota.unrated,
    }


def node_json(result: IndexResult, node: IndexNode, *, depth: int | None = None) -> dict[str, Any]:
    """One unit's object; its children are the same objects, `depth` levels down (all: None)."""
    unit = node.unit
    body: dict[str, Any] = {
        "period": result.period.code,
        "unit": None if unit is None else unit.code,
        "name": node.name,
        "level": None if unit is None else unit.level,
        "channels": result.channels.value,
    }
    body.update(figures_json(node.counts, node.figures, result.formula))
    # Finished forms that rate no criterion: kept, but left out of `responses` and the quota.
    body["unrated"] = node.counts.unrated
    body["warnings"] = {
        w.key: {"answered": w.answered, "flagged": w.flagged, "share": shown(w.share)}
        for w in warnings(result, node.counts)
    }
    body["priorities"] = [
        {"code": p.code, "count": p.count, "share": shown(p.share)}
        for p in priorities(result, node.counts)
    ]
    body["quota"] = quota_json(node.quota)
    body["own"] = (
        None if node.own is None else figures_json(node.own_counts, node.own, result.formula)
    )
    deeper = None if depth is None else depth - 1
    body["children"] = (
        [] if depth == 0 else [node_json(result, child, depth=deeper) for child in node.children]
    )
    return body


@without_gc
def index_json(result: IndexResult, *, depth: int | None = None) -> dict[str, Any]:
    return node_json(result, result.root, depth=depth)


def counters_json(result_formula: Formula, counters: list[CounterIndex]) -> list[dict[str, Any]]:
    return [
        {"counter_id": c.counter_id or None, "counter": c.name}
        | figures_json(c.node.counts, c.node.figures, result_formula)
        for c in counters
    ]


def fields_json(fields: list[FieldIndex], *, depth: int | None = None) -> list[dict[str, Any]]:
    return [{"field": f.field} | index_json(f.result, depth=depth) for f in fields]

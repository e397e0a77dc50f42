"""The index as flat rows, for the `table` and `csv` outputs of `hailong index`.

The JSON of the methodology page is a tree (presenting.py); people and spreadsheets want one row
per unit (or per counter, or per procedure field and unit), parents before their children.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hailong.index.figures import Ratio, rounded
from hailong.index.formula import Figures, Formula, UnitCounts
from hailong.index.service import CounterIndex, FieldIndex, IndexNode, IndexResult
from hailong.spreadsheet import text_cells

NO_FIGURE = "—"
SCOPE_SUBTREE = "unit"
# A unit with children and counters of its own: its own responses only (`own` in the JSON).
SCOPE_OWN = "own"


@dataclass(frozen=True)
class FigureRow:
    """One line of figures: a unit (its subtree), a unit's own responses, or a counter."""

    depth: int
    scope: str
    code: str  # unit code, or counter id; "" for the whole country or no counter
    name: str
    level: str
    parent: str  # the parent unit's code; "" at the top
    responses: int
    figures: Figures


def figure_text(value: Ratio | None, empty: str = NO_FIGURE) -> str:
    """Two decimals, rounded half up (50 -> "50.00"); `empty` when there is no figure."""
    figure = rounded(value)
    return empty if figure is None else format(figure, "f")


def _node_rows(node: IndexNode, depth: int, parent: str) -> Iterator[FigureRow]:
    code = "" if node.unit is None else node.unit.code
    level = "" if node.unit is None else node.unit.level
    yield FigureRow(
        depth, SCOPE_SUBTREE, code, node.name, level, parent, node.counts.responses, node.figures
    )
    if node.own is not None:
        yield FigureRow(
            depth + 1,
            SCOPE_OWN,
            code,
            node.name,
            level,
            parent,
            node.own_counts.responses,
            node.own,
        )
    for child in node.children:
        yield from _node_rows(child, depth + 1, code)


def unit_rows(result: IndexResult, parent: str = "") -> list[FigureRow]:
    """Every unit of the result's tree, depth first, parents before children; `parent` is the
    code of the top unit's parent, outside the tree."""
    return list(_node_rows(result.root, 0, parent))


def counter_rows(counters: Sequence[CounterIndex]) -> list[FigureRow]:
    return [
        FigureRow(
            0,
            SCOPE_SUBTREE,
            "" if c.counter_id == 0 else str(c.counter_id),
            c.name or "",
            "",
            "",
            c.node.counts.responses,
            c.node.figures,
        )
        for c in counters
    ]


def field_rows(fields: Sequence[FieldIndex], parent: str = "") -> list[tuple[str, FigureRow]]:
    return [(f.field, row) for f in fields for row in unit_rows(f.result, parent)]


def figure_cells(row: FigureRow, formula: Formula, empty: str) -> dict[str, str]:
    """SIPAS, each element and each criterion, keyed by code, as text."""
    cells = {"sipas": figure_text(row.figures.sipas, empty)}
    for code, _ in formula.elements:
        cells[code] = figure_text(row.figures.elements[code], empty)
    for key in formula.criteria:
        cells[key] = figure_text(row.figures.criteria[key], empty)
    return cells


def criterion_lines(
    counts: UnitCounts, figures: Figures, formula: Formula
) -> list[dict[str, str | int]]:
    """Per criterion: its element, index, valid and satisfied answers, and each answer's count."""
    lines: list[dict[str, str | int]] = []
    for element, keys in formula.elements:
        for key in keys:
            vector = counts.answers.get(key) or [0] * len(formula.scale)
            line: dict[str, str | int] = {
                "criterion": key,
                "element": element,
                "index": figure_text(figures.criteria[key]),
                "valid": sum(vector),
                "satisfied": formula.satisfied_in(vector),
            }
            line.update(formula.counts_in_order(vector))
            lines.append(line)
    return lines


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(text_cells(header))
    # Unit names come from imported files: text that never runs as a formula.
    writer.writerows(text_cells(row) for row in rows)
    return buffer.getvalue()

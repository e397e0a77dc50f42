"""The index table: one row per unit of the subtree, as CSV (UTF-8 with a BOM) or XLSX.

A row holds the unit's level, code, name, parent's code, counted responses, SIPAS, each element
and each criterion; figures are percentages rounded half up to two decimals, empty when the
unit has none (no valid answer). The XLSX puts each level on its own sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from hailong.i18n import N_
from hailong.index.service import IndexNode
from hailong.reports.selection import ComputedIndex, IndexSelection, computed_index
from hailong.reports.words import LEVEL_ORDER, Words, cell_figure
from hailong.responses.csvformat import CsvDialect, csv_chunks

LEVEL = N_("Level")
UNIT_CODE = N_("Unit code")
UNIT_NAME = N_("Unit name")
PARENT_CODE = N_("Parent unit code")
RESPONSES = N_("Responses")
SIPAS = N_("SIPAS index (%)")
ELEMENT = N_("Element {code}: {label} (%)")
CRITERION = N_("Criterion {key} (%)")
# The level of the row that sums up the whole country (not a unit).
NATIONAL = ""

Progress = Callable[[int], None]


@dataclass(frozen=True)
class IndexRow:
    level: str  # the unit's level code; NATIONAL for the whole country
    code: str
    name: str
    parent_code: str
    responses: int
    sipas: Decimal | None
    elements: tuple[Decimal | None, ...]
    criteria: tuple[Decimal | None, ...]

    def figures(self) -> list[Decimal | None]:
        return [self.sipas, *self.elements, *self.criteria]


def _row(index: ComputedIndex, node: IndexNode, parent_code: str) -> IndexRow:
    formula, figures = index.result.formula, node.figures
    return IndexRow(
        level=NATIONAL if node.unit is None else node.unit.level,
        code="" if node.unit is None else node.unit.code,
        name=node.name,
        parent_code=parent_code,
        responses=node.counts.responses,
        sipas=cell_figure(figures.sipas),
        elements=tuple(cell_figure(figures.elements[code]) for code, _ in formula.elements),
        criteria=tuple(cell_figure(figures.criteria[key]) for key in formula.criteria),
    )


def index_rows(index: ComputedIndex) -> Iterator[IndexRow]:
    """Every unit of the subtree, parents before their children, children in code order."""
    root = index.result.root
    parent_code = "" if index.parent is None else index.parent.code
    stack: list[tuple[IndexNode, str]] = [(root, parent_code)]
    while stack:
        node, parent = stack.pop()
        yield _row(index, node, parent)
        code = "" if node.unit is None else node.unit.code
        stack.extend((child, code) for child in reversed(node.children))


def figure_headers(index: ComputedIndex, words: Words) -> list[str]:
    labels = {
        element.code: element.label.get(words.language)
        for element in index.questionnaire.elements()
    }
    formula = index.result.formula
    return [
        words(SIPAS),
        *(words(ELEMENT, code=code, label=labels.get(code, code)) for code, _ in formula.elements),
        *(words(CRITERION, key=key) for key in formula.criteria),
    ]


def csv_header(index: ComputedIndex, words: Words) -> list[str]:
    fixed = [words(LEVEL), words(UNIT_CODE), words(UNIT_NAME), words(PARENT_CODE), words(RESPONSES)]
    return fixed + figure_headers(index, words)


def _csv_cells(row: IndexRow, words: Words) -> list[Any]:
    level = words.level(row.level) if row.level else ""
    return [level, row.code, row.name, row.parent_code, row.responses, *row.figures()]


def _counted(rows: Iterator[IndexRow], on_progress: Progress | None) -> Iterator[IndexRow]:
    for row in rows:
        yield row
        if on_progress is not None:
            on_progress(1)


def index_csv(
    session: Session,
    selection: IndexSelection,
    *,
    language: str | None = None,
    dialect: CsvDialect = CsvDialect.plain,
    on_progress: Progress | None = None,
) -> Iterator[bytes]:
    """The index table as CSV bytes, a chunk at a time: for a streaming response."""
    words = Words(language)
    index = computed_index(session, selection, words)
    rows = (_csv_cells(row, words) for row in _counted(index_rows(index), on_progress))
    codes = (words(UNIT_CODE), words(PARENT_CODE))
    return csv_chunks(rows, header=csv_header(index, words), codes=codes, dialect=dialect)


def write_index_csv(
    session: Session,
    selection: IndexSelection,
    out: BinaryIO,
    *,
    language: str | None = None,
    dialect: CsvDialect = CsvDialect.plain,
    on_progress: Progress | None = None,
) -> None:
    chunks = index_csv(
        session, selection, language=language, dialect=dialect, on_progress=on_progress
    )
    for chunk in chunks:
        out.write(chunk)


def level_order(index: ComputedIndex) -> list[str]:
    """The levels present in the subtree, from the top down; unknown levels after, by name."""
    present = {row.level for row in index_rows(index)}
    known = [level for level in (NATIONAL, *LEVEL_ORDER) if level in present]
    return known + sorted(present - set(known))


def write_index_xlsx(
    session: Session,
    selection: IndexSelection,
    out: BinaryIO,
    *,
    language: str | None = None,
    on_progress: Progress | None = None,
) -> None:
    """One sheet per level (criteria as columns), then a sheet that spells out each criterion."""
    from hailong.reports.index_xlsx import IndexWorkbook

    words = Words(language)
    index = computed_index(session, selection, words)
    workbook = IndexWorkbook(index, words, level_order(index))
    for row in _counted(index_rows(index), on_progress):
        workbook.append(row)
    workbook.save(out)

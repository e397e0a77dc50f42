"""The index table as an XLSX workbook, written in openpyxl's write-only mode (rows go to disk
as they come): one sheet per level, the header row frozen, figures as numbers shown 0.00."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from hailong.i18n import N_
from hailong.reports.index_table import (
    NATIONAL,
    PARENT_CODE,
    RESPONSES,
    UNIT_CODE,
    UNIT_NAME,
    IndexRow,
    figure_headers,
)
from hailong.reports.selection import ComputedIndex
from hailong.reports.words import WHOLE_COUNTRY, Words
from hailong.spreadsheet import as_text, text_cells

KEY_SHEET = N_("Key to the columns")
COLUMN = N_("Column")
ELEMENT = N_("Element")
CRITERION_TEXT = N_("Criterion")
FIGURE_FORMAT = "0.00"
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
# Columns before the figures: code, name, parent's code, responses.
FIXED_WIDTHS = (12, 42, 14, 10)
SIPAS_WIDTH, ELEMENT_WIDTH, CRITERION_WIDTH = 12, 16, 9
# Freeze the header row and the code and name columns, which say whose figures a row holds.
FREEZE_AT = "C2"


class IndexWorkbook:
    def __init__(self, index: ComputedIndex, words: Words, levels: list[str]) -> None:
        self.words = words
        self.workbook = Workbook(write_only=True)
        self.headers = [
            words(UNIT_CODE),
            words(UNIT_NAME),
            words(PARENT_CODE),
            words(RESPONSES),
            *figure_headers(index, words),
        ]
        formula = index.result.formula
        self.widths = [
            *FIXED_WIDTHS,
            SIPAS_WIDTH,
            *([ELEMENT_WIDTH] * len(formula.elements)),
            *([CRITERION_WIDTH] * len(formula.criteria)),
        ]
        self.sheets = {level: self._sheet(self._title(level)) for level in levels}
        self.rows = dict.fromkeys(levels, 1)
        self.index = index

    def _title(self, level: str) -> str:
        return self.words(WHOLE_COUNTRY) if level == NATIONAL else self.words.sheet_name(level)

    def _sheet(self, title: str) -> WriteOnlyWorksheet:
        sheet = self.workbook.create_sheet(title)
        # Write-only sheets take widths and panes before the first row.
        for number, width in enumerate(self.widths, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = width
        sheet.freeze_panes = FREEZE_AT
        sheet.append([self._header_cell(sheet, text) for text in self.headers])
        return sheet

    def _header_cell(self, sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=as_text(text))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def _figure_cell(self, sheet: WriteOnlyWorksheet, value: Decimal | None) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = FIGURE_FORMAT
        return cell

    def append(self, row: IndexRow) -> None:
        sheet = self.sheets[row.level]
        figures = [self._figure_cell(sheet, value) for value in row.figures()]
        # Codes and names come from imported files: text that never runs as a formula.
        names = text_cells([row.code, row.name, row.parent_code])
        sheet.append([*names, row.responses, *figures])
        self.rows[row.level] += 1

    def _filters(self) -> None:
        last = get_column_letter(len(self.headers))
        for level, sheet in self.sheets.items():
            sheet.auto_filter.ref = f"A1:{last}{self.rows[level]}"

    def _key_sheet(self) -> None:
        """Headers say only "Criterion A1": this sheet gives each criterion's full wording."""
        words, language = self.words, self.words.language
        sheet = self.workbook.create_sheet(words(KEY_SHEET)[:31])
        for letter, width in zip("ABC", (10, 40, 110), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        sheet.append(
            [self._header_cell(sheet, words(t)) for t in (COLUMN, ELEMENT, CRITERION_TEXT)]
        )
        questionnaire = self.index.questionnaire
        for element in questionnaire.elements():
            label = f"{element.code}. {element.label.get(language)}"
            for key in element.criteria:
                text = questionnaire.question(key).text.get(language)
                sheet.append(text_cells([key, label, text]))

    def save(self, out: BinaryIO) -> None:
        self._filters()
        self._key_sheet()
        self.workbook.save(out)

"""Text cells that a spreadsheet shows as text and never runs as a formula.

A comment typed into the web form, or a name in an imported file, reaches officials' Excel and
LibreOffice through every export. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return may be read as a formula (`=HYPERLINK(...)` sends the sheet's data away, `@SUM(...)|cmd`
runs a program); OWASP's rule for CSV injection is to put a `'` before such a cell, which shows
the rest as text. We write every text cell of every export through `as_text`, and read every
text cell of an import through `from_text`, so our own export imports back exactly.

`as_text` is reversible: a value that already starts with `'` gets one more `'` whenever
`from_text` would otherwise take the first one away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

QUOTE = "'"
FORMULA_STARTS = frozenset("=+-@\t\r")
_MAY_NEED_QUOTE = FORMULA_STARTS | {QUOTE}
# A plain number (a negative figure, a phone number with +84) evaluates only to itself: it stays
# a number for the spreadsheet.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def _quoted(text: str) -> bool:
    """True when `text`, read back, starts with our `'`: a formula start or `'` follows it."""
    return text[:1] == QUOTE and (text[1:2] in FORMULA_STARTS or text[1:2] == QUOTE)


def as_text(text: str) -> str:
    """`text` as a cell no spreadsheet evaluates; numbers and ordinary text stay as they are."""
    first = text[:1]
    if first in FORMULA_STARTS:
        return text if _PLAIN_NUMBER.fullmatch(text) else QUOTE + text
    return QUOTE + text if first == QUOTE and _quoted(text) else text


def from_text(text: str) -> str:
    """The value `as_text` was given (a cell of our own export, or of a file made like it)."""
    return text[1:] if _quoted(text) else text


def text_cells(cells: Iterable[object]) -> list[object]:
    """A row with every text cell through `as_text`; numbers and empty cells untouched."""
    # A national export writes tens of millions of cells: look at the first character here
    # and call as_text only for the few cells that may need it.
    return [
        as_text(cell) if isinstance(cell, str) and cell[:1] in _MAY_NEED_QUOTE else cell
        for cell in cells
    ]


# Excel keeps at most this many characters in a formula's text; longer codes are left as text.
_EXCEL_LITERAL_LIMIT = 255


def as_code(text: str) -> str:
    """A code as `="00007"`: Excel opens a CSV typing each cell, and would make unit 00007 the
    number 7 and period 2026-03 a date; a formula that is a text literal shows it as written.

    This is the one formula our exports write on purpose: a literal, built here from the code
    itself, quotes doubled, so nothing in it can run.
    """
    if not text or len(text) > _EXCEL_LITERAL_LIMIT:
        return as_text(text)
    return '="' + text.replace('"', '""') + '"'


def from_code(text: str) -> str:
    """The code `as_code` was given."""
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        return text[2:-1].replace('""', '"')
    return from_text(text)

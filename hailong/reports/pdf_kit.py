"""Paragraph styles and tables of the PDF report, in Be Vietnam Pro so diacritics render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from hailong.fonts import BOLD, REGULAR

INK = colors.HexColor("#1F1F1F")
NAVY = colors.HexColor("#1F3864")
HEADER_FILL = colors.HexColor("#DDEBF7")
RULE = colors.HexColor("#BFBFBF")
ALERT = colors.HexColor("#C00000")
GOOD = colors.HexColor("#2E7D32")


@dataclass(frozen=True)
class Styles:
    overline: ParagraphStyle
    title: ParagraphStyle
    unit: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    head: ParagraphStyle
    big: ParagraphStyle
    big_caption: ParagraphStyle


def make_styles() -> Styles:
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, textColor=INK)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    return Styles(
        overline=ParagraphStyle(
            "overline", parent=body, fontSize=10, leading=14, alignment=TA_CENTER, textColor=NAVY
        ),
        title=ParagraphStyle(
            "title", parent=body, fontName=BOLD, fontSize=22, leading=28, alignment=TA_CENTER,
            textColor=NAVY, spaceBefore=18, spaceAfter=10,
        ),
        unit=ParagraphStyle(
            "unit", parent=body, fontName=BOLD, fontSize=18, leading=24, alignment=TA_CENTER,
            spaceAfter=4,
        ),
        heading=ParagraphStyle(
            "heading", parent=body, fontName=BOLD, fontSize=13, leading=17, textColor=NAVY,
            spaceBefore=14, spaceAfter=6, keepWithNext=True,
        ),
        body=body,
        note=ParagraphStyle(
            "note", parent=body, fontSize=8.5, leading=11, textColor=colors.grey, spaceBefore=3
        ),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        head=ParagraphStyle("head", parent=cell, fontName=BOLD),
        big=ParagraphStyle(
            "big", parent=body, fontName=BOLD, fontSize=40, leading=48, alignment=TA_CENTER,
            textColor=NAVY,
        ),
        big_caption=ParagraphStyle("big_caption", parent=body, alignment=TA_CENTER),
    )  # fmt: skip


def text(value: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: names and answers may hold &, < or >."""
    return Paragraph(escape(value), style)


def strong(value: str, style: ParagraphStyle, colour: colors.Color = INK) -> Paragraph:
    """Bold text in a colour: a figure that needs attention, or a total."""
    return Paragraph(f'<font color="#{colour.hexval()[2:]}"><b>{escape(value)}</b></font>', style)


@dataclass(frozen=True)
class Column:
    heading: str
    width: float
    right: bool = False  # numbers


# Left and right padding of every cell of `grid`, in points.
CELL_PADDING = 4


def number_column_width(largest: int, style: ParagraphStyle, *, at_least: float = 0) -> float:
    """The width a column needs so its largest number never wraps ("110" would otherwise
    break into "11" and "0" in a narrow rank column of a province with 100+ communes)."""
    digits = stringWidth(str(largest), style.fontName, style.fontSize)
    # A point to spare: reportlab wraps a word that fits only to the last rounding.
    return max(at_least, digits + 2 * CELL_PADDING + 1)


def grid(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    styles: Styles,
) -> Table:
    """A table with a shaded header row repeated on each page. Plain strings and numbers become
    paragraphs so long Vietnamese texts wrap; other cells (paragraphs, drawings) stay as given."""
    header = [text(c.heading, styles.head) for c in columns]
    body = [
        [
            text(str(v), styles.cell_right if c.right else styles.cell)
            if isinstance(v, str | int)
            else v
            for c, v in zip(columns, row, strict=True)
        ]
        for row in rows
    ]
    table = Table([header, *body], colWidths=[c.width for c in columns], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    table.setStyle(TableStyle(commands))
    return table

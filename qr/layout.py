"""Drawing one poster on a reportlab canvas page.

Designed for an ordinary office laser printer, often black and white: white paper, dark text,
colour only in thin rules and small marks (no toner-hungry bands), every word in Be Vietnam Pro
so Vietnamese diacritics print right, and the QR code as vector rectangles so it stays sharp at
any printer resolution. Vietnamese comes first and large; English follows, small and grey.

The page is a column of blocks. Each block is drawn once on a canvas that draws nothing to
measure it; the QR code then gets the room that is left (never more than its nominal width) and
what remains is spread between the blocks, so a two-line unit name or a third channel never
pushes anything off the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from hailong.fonts import BOLD, REGULAR
from hailong.i18n import N_
from qr.content import PeriodNote, Poster, PosterFrame, PosterSize, PosterText
from qr.images import QUIET_ZONE, dark_runs, module_grid

NAVY = HexColor("#0B3A6E")
RED = HexColor("#C62828")
GREY = HexColor("#5A5A5A")
TINT = HexColor("#EEF3F9")
RULE = HexColor("#C9D3DF")

KICKER = N_("Citizen satisfaction survey")
TITLE = N_("Are you satisfied with our service?")
# The minutes are measured (hailong.responses.timing): the median of the period's web forms.
SUBTITLE = N_("Take about {minutes} minutes to tell us, so we can serve you better.")
SUBTITLE_ONE = N_("Take about a minute to tell us, so we can serve you better.")
COUNTER_CODE = N_("Counter code")
STEPS = (
    N_("Scan the QR code with your phone's camera"),
    N_("Answer a few questions (about {minutes} minutes)"),
    N_("Press Send. Thank you!"),
)
WAYS_TO_ANSWER = N_("Ways to answer")
PERIOD = N_("Survey period {code}: {start} to {end}")
REASSURANCE = N_("No app to install. We do not ask for your name.")


@dataclass(frozen=True)
class Layout:
    """Sizes for one paper format; `scale` multiplies every type size and gap of the A4 design."""

    page: tuple[float, float]
    margin: float
    scale: float
    # The symbol itself, quiet zone excluded: its width when there is room, and the least it
    # may shrink to when a long name needs the space (8 cm on the wall, as the issue asks,
    # with 2 mm to spare for printers that scale a page to fit).
    qr_width: float
    qr_min_width: float
    # English under every Vietnamese line, or only under the title and the steps (small cards).
    english_details: bool = True
    # Smallest type on the page: below about 5 pt a print is not readable.
    min_type: float = 5
    # Space between two blocks; beyond the largest, the rest goes to the top and bottom margins.
    min_gap: float = 3 * mm
    max_gap: float = 9 * mm


LAYOUTS = {
    PosterSize.A4: Layout(
        page=A4, margin=13 * mm, scale=1.0, qr_width=85 * mm, qr_min_width=82 * mm
    ),
    # A table stand is read from half a metre: a 5 cm symbol is plenty there.
    PosterSize.A6: Layout(
        page=A6,
        margin=6 * mm,
        scale=0.5,
        qr_width=50 * mm,
        qr_min_width=40 * mm,
        english_details=False,
        min_gap=1.5 * mm,
        max_gap=4 * mm,
    ),
}


def page_size(size: PosterSize) -> tuple[float, float]:
    return LAYOUTS[size].page


class _MeasuringCanvas:
    """Stands in for the canvas while a block is measured: it knows widths and draws nothing."""

    def stringWidth(self, text: str, font: str, size: float) -> float:  # reportlab's name
        return float(stringWidth(text, font, size))

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return _draw_nothing


def _draw_nothing(*_args: Any, **_kwargs: Any) -> None:
    return None


class _Pen:
    """Draws from the top of the page down, keeping track of where it is."""

    def __init__(self, canvas: Canvas, layout: Layout, top: float) -> None:
        self.canvas = canvas
        self.layout = layout
        self.left = layout.margin
        self.width = layout.page[0] - 2 * layout.margin
        self.centre = layout.page[0] / 2
        self.y = top

    def pt(self, value: float) -> float:
        return value * self.layout.scale

    def type(self, value: float) -> float:
        return max(value * self.layout.scale, self.layout.min_type)

    def gap(self, amount: float) -> None:
        self.y -= self.pt(amount)

    def lines(
        self,
        text: str,
        *,
        font: str = REGULAR,
        size: float,
        colour: Color = black,
        width: float | None = None,
        x: float | None = None,
        align_left: bool = False,
        max_lines: int = 3,
        char_space: float = 0,
        balanced: bool = False,
    ) -> None:
        """Wrapped text, centred on `x` (or starting at it); shrinks before passing `max_lines`.

        `balanced` evens out the lines of a heading, so no single word hangs on the last one.
        """
        width = width or self.width
        x = x if x is not None else self.centre
        size = smallest = self.type(size)
        smallest *= 0.6
        wrapped = simpleSplit(text, font, size, width)
        while len(wrapped) > max_lines and size > smallest:
            size *= 0.92
            wrapped = simpleSplit(text, font, size, width)
        if balanced and len(wrapped) > 1:
            wrapped = _balance(text, font, size, width, len(wrapped))
        self.canvas.setFillColor(colour)
        self.canvas.setFont(font, size)
        for line in wrapped:
            self.y -= size
            if align_left:
                self.canvas.drawString(x, self.y, line, charSpace=char_space)
            else:
                self.canvas.drawCentredString(x, self.y, line, charSpace=char_space)
            self.y -= size * 0.25


Block = Callable[[_Pen], None]


def _balance(text: str, font: str, size: float, width: float, count: int) -> list[str]:
    """The narrowest wrap of `text` that still takes `count` lines."""
    narrow, wide = width / count, width
    while wide - narrow > 2:
        middle = (narrow + wide) / 2
        if len(simpleSplit(text, font, size, middle)) > count:
            narrow = middle
        else:
            wide = middle
    return list(simpleSplit(text, font, size, wide))


def draw_poster(canvas: Canvas, poster: Poster, frame: PosterFrame) -> None:
    """One poster on the current page (the caller calls showPage)."""
    layout = LAYOUTS[frame.size]
    text = frame.text
    grid = module_grid(poster.url)
    above: list[Block] = [partial(_draw_heading, frame=frame), partial(_draw_place, poster=poster)]
    below: list[Block] = [
        partial(_draw_short_code, short_code=poster.short_code, text=text),
        partial(_draw_steps, text=text, minutes=frame.minutes),
        partial(_draw_channels, poster=poster, frame=frame),
    ]
    heights = [_measure(block, layout) for block in above + below]
    room = layout.page[1] - 2 * layout.margin - sum(heights)
    # Modules across the symbol with and without the quiet zone.
    modules = len(grid)
    with_quiet_zone = modules / (modules - 2 * QUIET_ZONE)
    gaps = len(heights)
    side = min(layout.qr_width * with_quiet_zone, room - gaps * layout.min_gap)
    side = max(side, layout.qr_min_width * with_quiet_zone)
    gap = max(0, min(layout.max_gap, (room - side) / gaps))
    pen = _Pen(canvas, layout, top=layout.page[1] - layout.margin - (room - side - gap * gaps) / 2)
    for block in above:
        block(pen)
        pen.y -= gap
    _draw_qr(pen, grid, side)
    for block in below:
        pen.y -= gap
        block(pen)


def _measure(block: Block, layout: Layout) -> float:
    pen = _Pen(cast(Canvas, _MeasuringCanvas()), layout, top=0)
    block(pen)
    return -pen.y


def _draw_heading(pen: _Pen, frame: PosterFrame) -> None:
    text = frame.text
    canvas = pen.canvas
    canvas.setFillColor(NAVY)
    canvas.rect(pen.left, pen.y - pen.pt(3), pen.width, pen.pt(3), stroke=0, fill=1)
    pen.gap(12)
    pen.lines(text.vi(KICKER).upper(), font=BOLD, size=10.5, colour=RED, char_space=pen.pt(1))
    pen.gap(5)
    pen.lines(text.vi(TITLE), font=BOLD, size=24, colour=NAVY, max_lines=2, balanced=True)
    pen.lines(text.en(TITLE), size=10, colour=GREY)
    pen.gap(4)
    subtitle = SUBTITLE_ONE if frame.minutes == 1 else SUBTITLE
    pen.lines(text.vi(subtitle, minutes=frame.minutes), size=12.5, max_lines=2)
    if pen.layout.english_details:
        pen.lines(text.en(subtitle, minutes=frame.minutes), size=8.5, colour=GREY)
    if frame.period is not None:
        pen.gap(4)
        _draw_period(pen, frame.period, text)
    pen.gap(7)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(pen.pt(0.8))
    canvas.line(pen.left + pen.width * 0.2, pen.y, pen.left + pen.width * 0.8, pen.y)


def _draw_period(pen: _Pen, period: PeriodNote, text: PosterText) -> None:
    vi = text.vi(
        PERIOD,
        code=period.code,
        start=text.date_vi(period.start_date),
        end=text.date_vi(period.end_date),
    )
    en = text.en(
        PERIOD,
        code=period.code,
        start=text.date_en(period.start_date),
        end=text.date_en(period.end_date),
    )
    pen.lines(vi, font=BOLD, size=10.5, colour=RED, max_lines=1)
    if pen.layout.english_details:
        pen.lines(en, size=8, colour=GREY, max_lines=1)


def _draw_place(pen: _Pen, poster: Poster) -> None:
    pen.lines(poster.unit_name, font=BOLD, size=22, max_lines=2, balanced=True)
    if poster.parent_unit_name:
        pen.lines(poster.parent_unit_name, size=11, colour=GREY, max_lines=1)
    pen.gap(6)
    _draw_counter_label(pen, poster.counter_name)


def _draw_counter_label(pen: _Pen, name: str) -> None:
    """The counter's name in a rounded frame: one line when it fits (shrinking a little), else
    two lines, never cut off: "Quầy số 12 – Lĩnh vực đất đai…" must be read in full."""
    canvas = pen.canvas
    size = pen.type(15)
    width = pen.width * 0.8
    lines = simpleSplit(name, BOLD, size, width)
    while len(lines) > 1 and size > pen.type(15) * 0.75:
        size *= 0.92
        lines = simpleSplit(name, BOLD, size, width)
    if len(lines) > 2:
        lines = _two_lines(name, size, width)
    label_width = max(canvas.stringWidth(line, BOLD, size) for line in lines)
    leading = size * 1.2
    height = size * 0.8 + leading * len(lines)
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(pen.pt(1.4))
    canvas.roundRect(
        pen.centre - label_width / 2 - size,
        pen.y - height,
        label_width + 2 * size,
        height,
        min(height / 2, size * 0.9),
        stroke=1,
        fill=0,
    )
    canvas.setFillColor(NAVY)
    canvas.setFont(BOLD, size)
    baseline = pen.y - size * 0.4 - size * 0.95
    for line in lines:
        canvas.drawCentredString(pen.centre, baseline, line)
        baseline -= leading
    pen.y -= height


def _two_lines(name: str, size: float, width: float) -> list[str]:
    """The first line as wrapped, the rest squeezed onto a second line ending in "…"."""
    first, *rest = simpleSplit(name, BOLD, size, width)
    second = " ".join(rest)
    while second and stringWidth(second + "…", BOLD, size) > width:
        second = second[:-1]
    return [first, second.rstrip() + "…"]


def _draw_qr(pen: _Pen, grid: list[list[bool]], side: float) -> None:
    """The symbol as filled rectangles in one path, its white quiet zone included.

    Drawn in module units (one unit = one module, origin at the bottom-left corner) and written
    as PDF operators directly: whole numbers, and no Python call per rectangle, where reportlab's
    path object formats four floats per rectangle (a third of a poster's drawing time).
    """
    modules = len(grid)
    left = pen.centre - side / 2
    canvas = pen.canvas
    canvas.setFillColor(white)
    canvas.rect(left, pen.y - side, side, side, stroke=0, fill=1)
    canvas.saveState()
    canvas.translate(left, pen.y - side)
    canvas.scale(side / modules, side / modules)
    canvas.setFillColor(black)
    rectangles = " ".join(
        f"{run.column} {modules - run.row - 1} {run.length} 1 re" for run in dark_runs(grid)
    )
    canvas.addLiteral(f"{rectangles} f")
    canvas.restoreState()
    pen.y -= side


def _draw_short_code(pen: _Pen, short_code: str, text: PosterText) -> None:
    label = text.vi(COUNTER_CODE)
    if pen.layout.english_details:
        label = f"{label} · {text.en(COUNTER_CODE)}"
    pen.lines(label, size=9, colour=GREY, max_lines=1)
    pen.gap(1)
    pen.lines(short_code, font=BOLD, size=34, char_space=pen.pt(7), max_lines=1)


def _draw_steps(pen: _Pen, text: PosterText, minutes: int) -> None:
    """Three numbered steps side by side, each a red disc with its words to the right."""
    canvas = pen.canvas
    column = pen.width / len(STEPS)
    radius = pen.pt(12)
    top = pen.y
    bottoms = []
    for index, step in enumerate(STEPS):
        left = pen.left + column * index
        canvas.setFillColor(RED)
        canvas.circle(left + radius, top - radius, radius, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont(BOLD, pen.type(14))
        canvas.drawCentredString(left + radius, top - radius - pen.type(14) * 0.35, str(index + 1))
        pen.y = top + pen.pt(2)
        words = left + 2 * radius + pen.pt(6)
        width = column - 2 * radius - pen.pt(12)
        vi, en = text.vi(step, minutes=minutes), text.en(step, minutes=minutes)
        pen.lines(vi, font=BOLD, size=11, width=width, x=words, align_left=True)
        pen.lines(en, size=8, colour=GREY, width=width, x=words, align_left=True)
        bottoms.append(min(pen.y, top - 2 * radius))
    pen.y = min(bottoms)


def _draw_channels(pen: _Pen, poster: Poster, frame: PosterFrame) -> None:
    """The ways to answer, on a light tint, then the reassurance that closes the page."""
    text = frame.text
    lines = [note.lines(poster) for note in frame.channels]
    lines.append((text.vi(REASSURANCE), text.en(REASSURANCE)))
    # The tint goes behind the text, so the box is measured before anything is drawn on it.
    height = _measure(partial(_channel_lines, lines=lines, text=text), pen.layout)
    canvas = pen.canvas
    canvas.setFillColor(TINT)
    canvas.roundRect(pen.left, pen.y - height, pen.width, height, pen.pt(6), stroke=0, fill=1)
    _channel_lines(pen, lines=lines, text=text)


def _channel_lines(pen: _Pen, lines: list[tuple[str, str]], text: PosterText) -> None:
    pen.gap(7)
    heading = text.vi(WAYS_TO_ANSWER)
    if pen.layout.english_details:
        heading = f"{heading} · {text.en(WAYS_TO_ANSWER)}"
    pen.lines(heading, font=BOLD, size=10, colour=NAVY, max_lines=1)
    inner = pen.width - pen.pt(20)
    for vi, en in lines:
        pen.gap(3)
        pen.lines(vi, size=10.5, width=inner, max_lines=1)
        if pen.layout.english_details:
            pen.lines(en, size=8, colour=GREY, width=inner, max_lines=1)
    pen.gap(6)

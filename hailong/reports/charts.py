"""The report's chart: each element's index as a horizontal bar, with the SIPAS as a line."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from hailong.fonts import BOLD, REGULAR
from hailong.index.figures import Ratio, as_fraction
from hailong.reports.report_data import ElementLine
from hailong.reports.words import NO_FIGURE, Words

BAR_COLOUR = colors.HexColor("#2E75B6")
SIPAS_COLOUR = colors.HexColor("#C00000")
GRID_COLOUR = colors.HexColor("#D9D9D9")
LABEL_WIDTH = 190  # room for "E. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị" on two lines
ROW_HEIGHT = 34
MARGIN_BOTTOM, MARGIN_TOP, MARGIN_RIGHT = 22, 22, 36


def _number(value: Ratio | None) -> float | None:
    fraction = as_fraction(value)
    return None if fraction is None else float(fraction)


def elements_chart(
    elements: list[ElementLine], sipas: Ratio | None, words: Words, *, width: float
) -> Drawing:
    """Bars from 0 to 100, the first element at the top; a missing figure reads as a dash."""
    height = MARGIN_BOTTOM + ROW_HEIGHT * len(elements) + MARGIN_TOP
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = LABEL_WIDTH, MARGIN_BOTTOM
    chart.width = width - LABEL_WIDTH - MARGIN_RIGHT
    chart.height = ROW_HEIGHT * len(elements)
    # A horizontal chart draws its first category at the bottom.
    shown = list(reversed(elements))
    chart.data = [[_number(line.value) for line in shown]]
    chart.categoryAxis.categoryNames = [f"{line.code}. {line.label}" for line in shown]
    _style_axes(chart)
    chart.bars[0].fillColor = BAR_COLOUR
    chart.bars[0].strokeColor = None
    chart.barWidth = ROW_HEIGHT * 0.55
    chart.barLabelFormat = "values"
    chart.barLabelArray = [[words.figure(line.value) for line in shown]]
    chart.barLabels.fontName = BOLD
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barLabels.boxFillColor = colors.white
    # The SIPAS line goes first, behind the bars and their labels, so no figure is crossed out.
    _sipas_line(drawing, chart, sipas, words)
    drawing.add(chart)
    _no_figure_marks(drawing, chart, shown)
    return drawing


def _no_figure_marks(drawing: Drawing, chart: HorizontalBarChart, shown: list[ElementLine]) -> None:
    """A dash where an element has no figure (no valid answer), so its row is not read as 0."""
    step = chart.height / len(shown)
    for position, line in enumerate(shown):
        if line.value is None:
            y = chart.y + step * (position + 0.5) - 3
            drawing.add(String(chart.x + 4, y, NO_FIGURE, fontName=BOLD, fontSize=8))


def _style_axes(chart: HorizontalBarChart) -> None:
    axis = chart.categoryAxis
    axis.labels.fontName = REGULAR
    axis.labels.fontSize = 8
    axis.labels.boxAnchor = "e"
    axis.labels.textAnchor = "end"
    axis.labels.dx = -6
    axis.labels.maxWidth = LABEL_WIDTH - 12
    axis.strokeColor = colors.grey
    values = chart.valueAxis
    values.valueMin, values.valueMax, values.valueStep = 0, 100, 20
    values.labels.fontName = REGULAR
    values.labels.fontSize = 8
    values.strokeColor = colors.grey
    values.visibleGrid = True
    values.gridStrokeColor = GRID_COLOUR


def _sipas_line(
    drawing: Drawing, chart: HorizontalBarChart, sipas: Ratio | None, words: Words
) -> None:
    value = _number(sipas)
    if value is None:
        return
    x = chart.x + chart.width * value / 100
    top = chart.y + chart.height
    drawing.add(
        Line(
            x,
            chart.y,
            x,
            top + 4,
            strokeColor=SIPAS_COLOUR,
            strokeWidth=1.2,
            strokeDashArray=[4, 3],
        )
    )
    label = f"SIPAS {words.figure(sipas)}"
    drawing.add(
        String(
            x,
            top + 8,
            label,
            fontName=BOLD,
            fontSize=8,
            fillColor=SIPAS_COLOUR,
            textAnchor="middle",
        )
    )

"""A unit's SIPAS report for a period, as a PDF in Vietnamese (reportlab platypus).

Cover; the index and its elements with a bar chart; the criteria ranked lowest first; the
warning signals; the improvement priorities; the quota progress; and, for a unit with units
below it, their table. Everything comes from one computed index (O(units)), never from the
responses themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from typing import Any, BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.orm import Session

from hailong.fonts import REGULAR, register_reportlab_fonts
from hailong.index.counts import answered_channels
from hailong.index.figures import Ratio, percent
from hailong.index.formula import POOLED
from hailong.index.presenting import Warning
from hailong.index.service import ChannelGroup, QuotaProgress, selection_for
from hailong.periods.service import today_in_vietnam
from hailong.reports import report_text as msg
from hailong.reports.charts import elements_chart
from hailong.reports.pdf_kit import (
    ALERT,
    GOOD,
    HEADER_FILL,
    RULE,
    Column,
    Styles,
    grid,
    make_styles,
    number_column_width,
    strong,
    text,
)
from hailong.reports.report_data import Report, build_report
from hailong.reports.selection import IndexSelection, computed_index
from hailong.reports.words import Words

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN
Progress = Callable[[str], None]


class ReportDocument:
    """Builds the flowables of one report; `words` decides the language."""

    def __init__(self, report: Report, words: Words, generated_on: date) -> None:
        self.report = report
        self.words = words
        self.styles: Styles = make_styles()
        self.generated_on = generated_on
        self.number = 0

    def _heading(self, message: str) -> Paragraph:
        self.number += 1
        return text(self.words(message, number=self.number), self.styles.heading)

    def flowables(self) -> list[Flowable]:
        story = self.cover()
        story += self.elements()
        story += self.criteria()
        story += self.warning_signals()
        story += self.priorities()
        story += self.quota()
        if self.report.children:
            story += self.children()
        return story

    # The cover
    def cover(self) -> list[Flowable]:
        words, styles, report = self.words, self.styles, self.report
        responses = report.responses
        return [
            Spacer(1, 24 * mm),
            text(words(msg.SURVEY_NAME).upper(), styles.overline),
            text(words(msg.REPORT_TITLE), styles.title),
            text(report.unit_name, styles.unit),
            Spacer(1, 10 * mm),
            self._facts(),
            Spacer(1, 12 * mm),
            text(words(msg.SIPAS_INDEX), styles.big_caption),
            strong(self._percent_text(report.sipas), styles.big, colour=styles.big.textColor),
            text(words(msg.FROM_RESPONSES, count=words.count(responses)), styles.big_caption),
            Spacer(1, 16 * mm),
            text(words(msg.LEGAL_BASIS), styles.note),
            PageBreak(),
        ]

    def _percent_text(self, value: Ratio | None) -> str:
        shown = self.words.figure(value)
        return shown if value is None else f"{shown}%"

    def _facts(self) -> Table:
        words, report = self.words, self.report
        rows = []
        if report.unit_code is not None:
            rows.append((words(msg.UNIT_CODE), report.unit_code))
        if report.level is not None:
            rows.append((words(msg.LEVEL), words.level(report.level)))
        if report.parent_name is not None:
            rows.append((words(msg.PART_OF), report.parent_name))
        dates = words(
            msg.PERIOD_DATES,
            code=report.period_code,
            start=words.date(report.start_date),
            end=words.date(report.end_date),
        )
        rows += [
            (words(msg.PERIOD), dates),
            (words(msg.CHANNELS_COUNTED), self._channels()),
            (words(msg.QUESTIONNAIRE), self._questionnaire()),
            (words(msg.GENERATED_ON), words.date(self.generated_on)),
        ]
        cells = [[text(k, self.styles.head), text(v, self.styles.cell)] for k, v in rows]
        table = Table(cells, colWidths=[45 * mm, WIDTH - 45 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                    ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table

    def _questionnaire(self) -> str:
        return f"{self.report.questionnaire_title} ({self.report.questionnaire_code})"

    def _channels(self) -> str:
        words, report = self.words, self.report
        names = ", ".join(words.channel(code) for code in report.channels_counted)
        if report.channels is ChannelGroup.official:
            return words(msg.OFFICIAL_CHANNELS, channels=names)
        return words(msg.ALL_CHANNELS, channels=names)

    # 1. The index and its elements
    def elements(self) -> list[Flowable]:
        words, styles, report = self.words, self.styles, self.report
        columns = [
            Column(words(msg.ELEMENT), 22 * mm),
            Column(words(msg.CONTENT), WIDTH - 52 * mm),
            Column(words(msg.INDEX), 30 * mm, right=True),
        ]
        rows: list[list[Any]] = [
            [line.code, line.label, words.figure(line.value)] for line in report.elements
        ]
        rows.append(
            [
                strong("SIPAS", styles.cell),
                strong(words(msg.SIPAS_INDEX), styles.cell),
                strong(words.figure(report.sipas), styles.cell_right),
            ]
        )
        story: list[Flowable] = [self._heading(msg.ELEMENTS_HEADING)]
        counted = words(msg.COUNTED, count=words.count(report.responses))
        story.append(text(counted if report.responses else words(msg.NO_RESPONSES), styles.body))
        story += [Spacer(1, 4), grid(columns, rows, styles)]
        if report.children:
            rule = msg.ROLLUP_POOLED if report.rollup_rule == POOLED else msg.ROLLUP_MEAN
            story.append(text(words(rule), styles.note))
        if report.sipas is not None:  # an empty chart says nothing the line above does not
            chart = elements_chart(report.elements, report.sipas, words, width=WIDTH)
            caption = text(words(msg.CHART_CAPTION), styles.note)
            story.append(KeepTogether([Spacer(1, 8), chart, caption]))
        return story

    # 2. The criteria ranked
    def criteria(self) -> list[Flowable]:
        words, styles = self.words, self.styles
        columns = [
            Column("#", 8 * mm, right=True),
            Column(words(msg.CRITERION), 18 * mm),
            Column(words(msg.CONTENT), WIDTH - 92 * mm),
            Column(words(msg.VALID), 22 * mm, right=True),
            Column(words(msg.SATISFIED), 20 * mm, right=True),
            Column(words(msg.INDEX), 24 * mm, right=True),
        ]
        rows = [
            [
                str(rank),
                line.key,
                line.text,
                words.count(line.valid),
                words.count(line.satisfied),
                words.figure(line.value),
            ]
            for rank, line in enumerate(self.report.criteria, start=1)
        ]
        story: list[Flowable] = [
            self._heading(msg.CRITERIA_HEADING),
            text(words(msg.CRITERIA_INTRO), styles.body),
            Spacer(1, 4),
            grid(columns, rows, styles),
        ]
        if self.report.children and self.report.rollup_rule != POOLED:
            story.append(text(words(msg.SUMMED_ANSWERS), styles.note))
        return story

    # 3. Warning signals
    def warning_signals(self) -> list[Flowable]:
        words, styles = self.words, self.styles
        columns = [
            Column(words(msg.SIGNAL), WIDTH - 92 * mm),
            Column(words(msg.ANSWERED), 26 * mm, right=True),
            Column(words(msg.FLAGGED), 38 * mm, right=True),
            Column(words(msg.SHARE), 28 * mm, right=True),
        ]
        rows = [self._warning_row(w) for w in self.report.warnings]
        return [
            self._heading(msg.WARNINGS_HEADING),
            text(words(msg.WARNINGS_INTRO), styles.body),
            Spacer(1, 4),
            grid(columns, rows, styles),
        ]

    def _warning_row(self, warning: Warning) -> list[Any]:
        words, styles = self.words, self.styles
        label = msg.WARNING_LABELS.get(warning.key)
        share = words.figure(warning.share)
        flagged = warning.flagged > 0
        return [
            words(label) if label else warning.key,
            words.count(warning.answered),
            words.count(warning.flagged),
            strong(share, styles.cell_right, ALERT) if flagged else share,
        ]

    # 4. Improvement priorities
    def priorities(self) -> list[Flowable]:
        words, styles = self.words, self.styles
        columns = [
            Column("#", 8 * mm, right=True),
            Column(words(msg.CONTENT), WIDTH - 60 * mm),
            Column(words(msg.CHOICES), 24 * mm, right=True),
            Column(words(msg.SHARE), 28 * mm, right=True),
        ]
        rows = [
            [
                str(rank),
                line.label,
                words.count(line.priority.count),
                words.figure(line.priority.share),
            ]
            for rank, line in enumerate(self.report.priorities, start=1)
        ]
        return [
            self._heading(msg.PRIORITIES_HEADING),
            text(words(msg.PRIORITIES_INTRO), styles.body),
            Spacer(1, 4),
            grid(columns, rows, styles),
        ]

    # 5. Quota progress
    def quota(self) -> list[Flowable]:
        words, styles, report = self.words, self.styles, self.report
        story: list[Flowable] = [self._heading(msg.QUOTA_HEADING)]
        progress = report.quota or QuotaProgress()
        story.append(text(self._quota_line(progress), styles.body))
        if not report.children:
            # A unit without units below: its own line, as a parent's table shows each child.
            own = [(report.unit_name, progress, True)]
            return [*story, Spacer(1, 4), self._quota_table(own)]
        met = words(msg.UNITS_MET, met=progress.units_met, units=progress.units)
        rows = [
            (child.name, child.quota or QuotaProgress(), child.leaf)
            for child in sorted(report.children, key=lambda c: c.code)
        ]
        story += [text(met, styles.body), Spacer(1, 4), self._quota_table(rows)]
        story.append(text(words(msg.QUOTA_NOTE), styles.note))
        return story

    def _quota_line(self, progress: QuotaProgress) -> str:
        words = self.words
        return words(
            msg.QUOTA_LINE,
            target=words.count(progress.target),
            counted=words.count(progress.counted),
            percent=words.figure(percent(progress.counted, progress.target)),
        )

    def _result(self, progress: QuotaProgress, *, leaf: bool) -> Paragraph:
        words, style = self.words, self.styles.cell
        if progress.units == 0:
            return text(words(msg.NO_QUOTA), style)
        if progress.units_met == progress.units:
            return strong(words(msg.MET), style, GOOD)
        if leaf:
            return strong(words(msg.NOT_MET), style, ALERT)
        some = words(msg.SOME_MET, met=progress.units_met, units=progress.units)
        return strong(some, style, ALERT)

    def _quota_table(self, units: list[tuple[str, QuotaProgress, bool]]) -> Table:
        words = self.words
        columns = [
            Column(words(msg.UNIT), WIDTH - 110 * mm),
            Column(words(msg.QUOTA), 20 * mm, right=True),
            Column(words(msg.TOWARDS), 22 * mm, right=True),
            Column(words(msg.PROGRESS), 28 * mm, right=True),
            Column(words(msg.RESULT), 40 * mm),
        ]
        rows = [
            [
                name,
                words.count(progress.target),
                words.count(progress.counted),
                words.figure(percent(progress.counted, progress.target)),
                self._result(progress, leaf=leaf),
            ]
            for name, progress, leaf in units
        ]
        return grid(columns, rows, self.styles)

    # 6. The units below
    def children(self) -> list[Flowable]:
        words, styles, report = self.words, self.styles, self.report
        element_width = 15.5 * mm
        codes = [line.code for line in report.elements]
        rank_width = number_column_width(len(report.children), styles.cell, at_least=7 * mm)
        fixed = rank_width + 16 * mm + 14 * mm + 16 * mm
        columns = [
            Column("#", rank_width, right=True),
            Column(words(msg.UNIT_CODE), 16 * mm),
            Column(words(msg.UNIT), WIDTH - fixed - element_width * len(codes)),
            Column(words(msg.RESPONSES), 14 * mm, right=True),
            Column("SIPAS", 16 * mm, right=True),
            *(Column(code, element_width, right=True) for code in codes),
        ]
        rows = [
            [
                str(rank),
                child.code,
                child.name,
                words.count(child.responses),
                words.figure(child.sipas),
                *(words.figure(value) for value in child.elements),
            ]
            for rank, child in enumerate(report.children, start=1)
        ]
        return [self._heading(msg.CHILDREN_HEADING), grid(columns, rows, styles)]


def _footer(report: Report, words: Words) -> Callable[[Canvas, Any], None]:
    line = words(msg.FOOTER, unit=report.unit_name, period=report.period_code)

    def draw(canvas: Canvas, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.setFillColorRGB(0.45, 0.45, 0.45)
        canvas.drawString(MARGIN, MARGIN / 2, line)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, words(msg.PAGE, page=document.page))
        canvas.restoreState()

    return draw


def _cover_page(canvas: Canvas, document: Any) -> None:
    """The cover carries no footer."""


def write_report_pdf(
    session: Session,
    selection: IndexSelection,
    out: BinaryIO,
    *,
    language: str | None = None,
    generated_on: date | None = None,
    on_progress: Progress | None = None,
    running: Collection[str] = (),
) -> None:
    """The report of `selection.unit` (the whole country when None) for its period;
    `running` are the channels the service runs (hailong.channels.running_channels)."""
    words = Words(language)
    index = computed_index(session, selection, words)
    answered = answered_channels(
        session, selection_for(selection.period, selection.channels, selection.unit)
    )
    if on_progress is not None:
        on_progress("computed")
    report = build_report(index, language=words.language, running=running, answered=answered)
    register_reportlab_fonts()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=words(msg.DOCUMENT_TITLE, unit=report.unit_name, period=report.period_code),
        author="hailong",
        lang=words.language,
    )
    story = ReportDocument(report, words, generated_on or today_in_vietnam()).flowables()
    document.build(story, onFirstPage=_cover_page, onLaterPages=_footer(report, words))
    if on_progress is not None:
        on_progress("written")

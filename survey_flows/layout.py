"""Pages of a form: consecutive sections grouped so that a phone shows few, short pages.

A questionnaire's sections are its parts (an element, the screening, the profile); a form page
may hold several of them. The grouping is worked out from the questionnaire itself, so every
version (stored ones included) gets it without a change to its data:

- sections join the page before them while the page's estimated height on a 360 px wide phone
  stays within about two screen heights;
- a conditional section (element E after "gave feedback: yes") stands on a page of its own, so
  that a form without JavaScript never shows a question that may not apply, and skipping it
  skips a whole page;
- nothing follows the unit's procedures on their page (a list of unknown length);
- a section whose condition looks at a question on the page being filled starts a new page.

A page is named by the key of its first section. Pure: no I/O, no channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from survey_flows.questionnaire import Option, Question, QuestionKind, Questionnaire, Section

# Estimated heights in CSS pixels at 360 px wide, from hailong/static/site.css (measured in
# Chromium with DejaVu Sans, wider than a phone's own font): a line of a question holds about
# 33 characters (a criterion's, in smaller type, 40), a tap target is 44 to 48 px high.
CHARS_PER_LINE = 33
CRITERION_CHARS_PER_LINE = 40
LINE = 22
CRITERION_LINE = 20
CRITERION_ROW = 62  # the row of answers and the space around it
TAP = 52
GAP = 24
# What two screen heights of 740 px leave for questions, once the header, the progress bar,
# the scale's legend and the buttons are drawn.
PAGE_BUDGET = 1300
# The unit's procedures are not known here: a page holding the question counts this many.
PROCEDURES_ASSUMED = 4


@dataclass(frozen=True)
class FormPage:
    """Sections shown together on one page, named by its first section's key."""

    sections: tuple[Section, ...]

    @property
    def key(self) -> str:
        return self.sections[0].key

    def questions(self) -> tuple[Question, ...]:
        return self._questions

    def question_keys(self) -> frozenset[str]:
        return self._question_keys

    # Worked out once per page: every request walks the pages several times.
    @cached_property
    def _questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _question_keys(self) -> frozenset[str]:
        return frozenset(q.key for q in self._questions)


def _lines(text: str, per_line: int = CHARS_PER_LINE) -> int:
    return max(1, -(-len(text) // per_line))


def choice_columns(labels: Iterable[str]) -> int:
    """How many choices fit side by side on a phone, each in two or three lines: three short
    phrases, two longer ones, else one per line (a whole sentence)."""
    longest = max((len(label) for label in labels), default=0)
    if longest <= 20:
        return 3
    return 2 if longest <= 44 else 1


def scale_row(options: Sequence[Option]) -> list[Option]:
    """A scale as one row, least satisfied first (1 … 5), as people read a scale left to
    right; a scale whose codes are not numbers keeps the questionnaire's order. Every channel
    that shows the scale as a row uses this order, the web form and the chats alike."""
    if all(o.code.isdigit() for o in options):
        return sorted(options, key=lambda o: int(o.code))
    return list(options)


def question_height(question: Question) -> int:
    kind = question.kind
    if kind is QuestionKind.criterion:
        lines = _lines(question.text.vi, CRITERION_CHARS_PER_LINE)
        return lines * CRITERION_LINE + CRITERION_ROW
    text = _lines(question.text.vi) * LINE
    if kind is QuestionKind.text:
        return text + 4 * LINE + GAP
    if kind is QuestionKind.procedure:
        return text + PROCEDURES_ASSUMED * TAP + GAP
    labels = [option.label.vi for option in question.options]
    columns = choice_columns(labels)
    if columns == 1:
        rows = sum(max(TAP, _lines(label, CHARS_PER_LINE - 4) * LINE + 14) for label in labels)
    else:
        rows = -(-len(labels) // columns) * TAP
    return text + rows + GAP


def section_height(section: Section) -> int:
    heading = 2 * LINE + (_lines(section.intro.vi) * LINE if section.intro else 0)
    return heading + sum(question_height(q) for q in section.questions)


def _conditional(section: Section) -> bool:
    return section.when is not None


def _looks_at(section: Section, page: list[Section]) -> bool:
    """Whether a condition in `section` depends on an answer given on `page`."""
    keys = {q.key for s in page for q in s.questions}
    conditions = [section.when, *(q.when for q in section.questions)]
    return any(c is not None and c.question in keys for c in conditions)


def _ends_page(section: Section) -> bool:
    """A conditional section stands alone; after the unit's procedures (a list of unknown
    length) nothing more is put on the page."""
    return _conditional(section) or any(q.kind is QuestionKind.procedure for q in section.questions)


def group_sections(sections: Iterable[Section], budget: int = PAGE_BUDGET) -> list[FormPage]:
    pages: list[list[Section]] = []
    height = 0
    for section in sections:
        own = section_height(section)
        alone = _conditional(section) or (bool(pages) and _ends_page(pages[-1][-1]))
        if pages and not alone and not _looks_at(section, pages[-1]) and height + own <= budget:
            pages[-1].append(section)
            height += own
        else:
            pages.append([section])
            height = own
    return [FormPage(tuple(page)) for page in pages]


def form_pages(questionnaire: Questionnaire) -> tuple[FormPage, ...]:
    """The questionnaire's pages, worked out once per loaded questionnaire."""
    return questionnaire.derived(
        "form_pages", lambda: tuple(group_sections(questionnaire.sections))
    )


def page_of(questionnaire: Questionnaire, section_key: str) -> FormPage | None:
    """The page whose first section is `section_key`, or None (not a page's name)."""
    return next((p for p in form_pages(questionnaire) if p.key == section_key), None)

"""Sections grouped into form pages: few pages, none much longer than two phone screens, and
never a question on a page whose answer decides whether it is asked."""

from __future__ import annotations

from survey_flows import load_questionnaire
from survey_flows.layout import PAGE_BUDGET, form_pages, page_of, scale_row, section_height
from tests.survey_flows.helpers import sipas

CONDITIONAL = """\
code: conditional
title: {vi: "Phiếu thử", en: "Test form"}
scale:
  - {code: "2", label: {vi: "Hài lòng", en: "Satisfied"}}
  - {code: "1", label: {vi: "Không hài lòng", en: "Dissatisfied"}}
settings: {satisfied_codes: ["2"]}
sections:
  - key: one
    title: {vi: "Một", en: "One"}
    element: A
    questions:
      - {key: A1, text: {vi: "Câu một", en: "One"}}
  - key: ask
    title: {vi: "Hỏi", en: "Ask"}
    questions:
      - {key: more, kind: yes_no, text: {vi: "Thêm?", en: "More?"}}
  - key: tail
    title: {vi: "Cuối", en: "Last"}
    questions:
      - key: note
        kind: text
        max_length: 10
        required: false
        when: {question: more, equals: "yes"}
        text: {vi: "Ghi chú", en: "Note"}
  - key: after
    title: {vi: "Sau", en: "After"}
    element: B
    when: {question: more, equals: "yes"}
    questions:
      - {key: B1, text: {vi: "Câu hai", en: "Two"}}
  - key: end
    title: {vi: "Hết", en: "End"}
    element: C
    questions:
      - {key: C1, text: {vi: "Câu ba", en: "Three"}}
"""


class TestDefaultVersion:
    def test_six_pages_in_the_official_order(self) -> None:
        pages = [[s.key for s in page.sections] for page in form_pages(sipas())]
        assert pages == [
            ["screening", "procedure"],
            ["A", "B"],
            ["C", "D", "feedback"],
            ["E"],
            ["conduct", "improve"],
            ["profile"],
        ]
        # Every question once, in the questionnaire's order.
        keys = [q.key for page in form_pages(sipas()) for q in page.questions()]
        assert keys == [q.key for q in sipas().questions()]

    def test_no_page_over_the_budget_unless_one_section_is(self) -> None:
        for page in form_pages(sipas()):
            heights = [section_height(s) for s in page.sections]
            assert len(heights) == 1 or sum(heights) <= PAGE_BUDGET, page.key

    def test_a_page_is_named_by_its_first_section(self) -> None:
        page = page_of(sipas(), "C")
        assert page is not None and [s.key for s in page.sections] == ["C", "D", "feedback"]
        assert page_of(sipas(), "D") is None

    def test_the_scale_reads_from_least_to_most_satisfied(self) -> None:
        assert [o.code for o in scale_row(sipas().scale)] == ["1", "2", "3", "4", "5"]


class TestConditions:
    def test_a_question_never_shares_a_page_with_the_answer_it_waits_on(self) -> None:
        pages = [
            [s.key for s in page.sections] for page in form_pages(load_questionnaire(CONDITIONAL))
        ]
        # "tail" waits on "more", so it starts a page; "after" is conditional: alone.
        assert pages == [["one", "ask"], ["tail"], ["after"], ["end"]]

"""The engine's answers to "what next?" along the paths citizens take."""

from __future__ import annotations

from survey_flows import (
    SurveyStatus,
    load_questionnaire,
    next_question,
    next_section,
    previous_section,
    progress,
    section_questions,
    stale_answers,
    status,
)
from tests.survey_flows.helpers import PROFILE, criteria_answers, sipas, through_feedback

CONDUCT = {"harassment": "1", "extra_payment": "1"}
IMPROVE = {"priorities": "P1;P4", "comment": None}
NO_PROFILE = dict.fromkeys(PROFILE)


def key_of_next(answers: dict[str, str | None]) -> str | None:
    question = next_question(sipas(), answers)
    return None if question is None else question.key


class TestNextQuestion:
    def test_starts_with_screening(self) -> None:
        assert key_of_next({}) == "received_result"

    def test_procedure_after_screening_yes(self) -> None:
        assert key_of_next({"received_result": "yes"}) == "procedure"

    def test_criteria_in_order_after_the_procedure(self) -> None:
        answers: dict[str, str | None] = {"received_result": "yes", "procedure": "other"}
        asked = []
        for _ in range(16):
            key = key_of_next(answers)
            assert key is not None
            asked.append(key)
            answers[key] = "5"
        assert asked == [k for k in sipas().criteria_keys() if not k.startswith("E")]
        assert key_of_next(answers) == "gave_feedback"

    def test_skipped_criterion_counts_as_answered(self) -> None:
        answers = {"received_result": "yes", "procedure": "other", "A1": None}
        assert key_of_next(answers) == "A2"

    def test_required_question_stored_empty_is_asked_again(self) -> None:
        answers = {**through_feedback("no"), "harassment": None}
        assert key_of_next(answers) == "harassment"

    def test_profile_comes_last(self) -> None:
        answers = {**through_feedback("no"), **CONDUCT, **IMPROVE}
        assert key_of_next(answers) == "respondent_type"

    def test_nothing_after_the_last_question(self) -> None:
        answers = {**through_feedback("no"), **CONDUCT, **IMPROVE, **NO_PROFILE}
        assert key_of_next(answers) is None
        assert status(sipas(), answers) is SurveyStatus.completed


class TestNextSection:
    def test_pages_in_order_for_a_citizen_without_feedback(self) -> None:
        pages = []
        answers: dict[str, str | None] = {}
        fill = {
            "received_result": "yes",
            "procedure": "other",
            **criteria_answers(sipas()),
            "gave_feedback": "no",
            **CONDUCT,
            **IMPROVE,
            **NO_PROFILE,
        }
        while (section := next_section(sipas(), answers)) is not None:
            pages.append(section.key)
            for question in section_questions(sipas(), section, answers):
                answers[question.key] = fill[question.key]
        assert pages == [
            "screening",
            "procedure",
            "A",
            "B",
            "C",
            "D",
            "feedback",
            "conduct",
            "improve",
            "profile",
        ]

    def test_element_e_page_after_feedback_yes(self) -> None:
        section = next_section(sipas(), through_feedback("yes"))
        assert section is not None and section.key == "E"
        assert [q.key for q in section_questions(sipas(), section, through_feedback("yes"))] == [
            "E1",
            "E2",
            "E3",
        ]


class TestScreening:
    def test_no_ends_the_survey(self) -> None:
        answers = {"received_result": "no"}
        assert next_question(sipas(), answers) is None
        assert next_section(sipas(), answers) is None
        assert status(sipas(), answers) is SurveyStatus.screened_out

    def test_no_ends_the_survey_whatever_else_was_sent(self) -> None:
        answers = {**through_feedback("no"), "received_result": "no"}
        assert status(sipas(), answers) is SurveyStatus.screened_out
        # Nothing after the screening question is kept, so nothing can be counted.
        assert stale_answers(sipas(), answers) == set(answers) - {"received_result"}

    def test_progress_is_finished(self) -> None:
        assert progress(sipas(), {"received_result": "no"}) == (1, 1)

    def test_unanswered_is_in_progress(self) -> None:
        assert status(sipas(), {}) is SurveyStatus.in_progress


class TestElementE:
    def test_skipped_when_no_feedback(self) -> None:
        assert key_of_next(through_feedback("no")) == "harassment"
        assert section_questions(sipas(), sipas().section("E"), through_feedback("no")) == []

    def test_asked_when_feedback_given(self) -> None:
        assert key_of_next(through_feedback("yes")) == "E1"

    def test_not_asked_before_the_feedback_question(self) -> None:
        answers = {"received_result": "yes", "procedure": "other", **criteria_answers(sipas())}
        assert section_questions(sipas(), sipas().section("E"), answers) == []

    def test_complete_without_element_e(self) -> None:
        answers = {**through_feedback("no"), **CONDUCT, **IMPROVE, **NO_PROFILE}
        assert status(sipas(), answers) is SurveyStatus.completed

    def test_not_complete_without_element_e_after_yes(self) -> None:
        answers = {**through_feedback("yes"), **CONDUCT, **IMPROVE, **NO_PROFILE}
        assert status(sipas(), answers) is SurveyStatus.in_progress
        assert key_of_next(answers) == "E1"


class TestStaleAnswers:
    def test_none_on_a_normal_path(self) -> None:
        answers = {**through_feedback("yes"), "E1": "5", "E2": "4", "E3": None, **CONDUCT}
        assert stale_answers(sipas(), answers) == set()

    def test_feedback_changed_to_no_drops_element_e(self) -> None:
        answers = {**through_feedback("yes"), "E1": "5", "E2": "4", "E3": None, **CONDUCT}
        answers["gave_feedback"] = "no"
        assert stale_answers(sipas(), answers) == {"E1", "E2", "E3"}

    def test_feedback_changed_to_yes_keeps_everything(self) -> None:
        answers = {**through_feedback("no"), **CONDUCT}
        answers["gave_feedback"] = "yes"
        assert stale_answers(sipas(), answers) == set()
        assert key_of_next(answers) == "E1"

    def test_answer_to_no_question_of_this_version(self) -> None:
        assert stale_answers(sipas(), {"received_result": "yes", "Z9": "5"}) == {"Z9"}

    def test_chain_of_conditions_follows_a_changed_answer(self) -> None:
        chained = load_questionnaire(CHAINED)
        answers = {"first": "yes", "second": "yes", "third": "yes", "X1": "2"}
        assert stale_answers(chained, answers) == set()
        answers["first"] = "no"
        # "third" depends on "second", which no longer applies: both go.
        assert stale_answers(chained, answers) == {"second", "third"}


class TestPreviousSection:
    def test_back_from_conduct_without_feedback(self) -> None:
        section = previous_section(sipas(), through_feedback("no"), "conduct")
        assert section is not None and section.key == "feedback"

    def test_back_from_conduct_after_feedback(self) -> None:
        answers = {**through_feedback("yes"), "E1": "5", "E2": "5", "E3": "5"}
        section = previous_section(sipas(), answers, "conduct")
        assert section is not None and section.key == "E"

    def test_nothing_before_the_first_page(self) -> None:
        assert previous_section(sipas(), {}, "screening") is None


def criteria_and_procedure() -> dict[str, str | None]:
    return {"received_result": "yes", "procedure": "other", **criteria_answers(sipas())}


class TestProgress:
    def test_first_question_of_the_whole_path(self) -> None:
        number, total = progress(sipas(), {})
        assert number == 1
        # Element E is counted until the citizen says they gave no feedback: the total
        # shown never grows as the citizen goes on.
        assert total == len(sipas().questions())

    def test_feedback_no_drops_element_e_from_the_total(self) -> None:
        before = progress(sipas(), criteria_and_procedure())
        after = progress(sipas(), through_feedback("no"))
        assert after[1] == before[1] - 3 and after[0] > before[0]

    def test_feedback_yes_adds_element_e(self) -> None:
        before = progress(sipas(), through_feedback("no"))
        after = progress(sipas(), through_feedback("yes"))
        assert after == (before[0], before[1] + 3)

    def test_finished_survey_is_at_its_total(self) -> None:
        answers = {**through_feedback("no"), **CONDUCT, **IMPROVE, **NO_PROFILE}
        number, total = progress(sipas(), answers)
        assert number == total == len(answers)


CHAINED = """\
code: chained
title: {vi: "Phiếu điều kiện nối tiếp", en: "Chained conditions"}
scale:
  - {code: "2", label: {vi: "Hài lòng", en: "Satisfied"}}
  - {code: "1", label: {vi: "Không hài lòng", en: "Dissatisfied"}}
settings: {satisfied_codes: ["2"]}
sections:
  - key: s1
    title: {vi: "Phần một", en: "Part one"}
    questions:
      - {key: first, kind: yes_no, text: {vi: "Câu một", en: "One"}}
      - key: second
        kind: yes_no
        when: {question: first, equals: "yes"}
        text: {vi: "Câu hai", en: "Two"}
      - key: third
        kind: yes_no
        when: {question: second, equals: "yes"}
        text: {vi: "Câu ba", en: "Three"}
  - key: X
    element: X
    title: {vi: "Yếu tố", en: "Element"}
    questions:
      - {key: X1, text: {vi: "Tiêu chí", en: "Criterion"}}
"""

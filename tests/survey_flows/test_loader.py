"""Loading a questionnaire file: every problem comes back at once, each with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_flows import QuestionnaireError, load_questionnaire, parse_questionnaire
from survey_flows.questionnaire import builtin_source
from tests.survey_flows.helpers import SMALL, line_of, lines_of, problems_of, small

A1 = "sections[1](A).questions[0](A1)"
A2 = "sections[1](A).questions[1](A2)"
PRIORITIES = "sections[4](improve).questions[0](priorities)"
COMMENT = "sections[4](improve).questions[1](comment)"


class TestSmallQuestionnaire:
    def test_loads(self) -> None:
        questionnaire = load_questionnaire(SMALL)
        assert [q.key for q in questionnaire.questions()] == [
            "received_result",
            "A1",
            "A2",
            "gave_feedback",
            "E1",
            "priorities",
            "comment",
        ]

    def test_criteria_take_the_scale_everywhere(self) -> None:
        questionnaire = load_questionnaire(SMALL)
        from_section = questionnaire.section("A").questions[0]
        assert from_section.option_codes() == ("2", "1")
        assert questionnaire.question("A1") == from_section
        assert from_section.element == "A"

    def test_yes_no_questions_carry_their_answers(self) -> None:
        question = load_questionnaire(SMALL).question("gave_feedback")
        assert question.option_codes() == ("yes", "no")
        assert question.options[0].label.vi == "Có"


class TestOneProblem:
    def test_repeated_question_key(self) -> None:
        text = small(("- key: A2", "- key: A1"))
        assert problems_of(text) == [
            (
                "sections[1](A).questions[1](A1)",
                "question key 'A1' repeats",
                lines_of(text, "- key: A1")[1],  # the second one
            )
        ]

    def test_condition_on_a_later_question(self) -> None:
        text = small(("{question: gave_feedback,", "{question: comment,"))
        [(place, message, line)] = problems_of(text)
        assert place == "sections[3](E).when.question"
        assert "'comment'" in message and "not asked before" in message
        assert line == line_of(text, "{question: comment,")

    def test_condition_on_itself(self) -> None:
        text = small(
            (
                '        text: {vi: "Dễ tìm", en: "Easy to find"}',
                '        text: {vi: "Dễ tìm", en: "Easy to find"}\n'
                '        when: {question: A1, equals: "2"}',
            )
        )
        assert [p[0] for p in problems_of(text)] == [f"{A1}.when.question"]

    def test_unknown_kind(self) -> None:
        text = small(("kind: text", "kind: essay"))
        [(place, message, line)] = problems_of(text)
        assert place == f"{COMMENT}.kind"
        assert "'text'" in message  # names the kinds that exist
        assert line == line_of(text, "kind: essay")

    def test_missing_english_label(self) -> None:
        text = small(('{vi: "Sạch sẽ", en: "Clean"}', '{vi: "Sạch sẽ"}'))
        [(place, message, line)] = problems_of(text)
        assert (place, message) == (f"{A2}.text.en", "Field required")
        assert line == line_of(text, '{vi: "Sạch sẽ"}')

    def test_multi_choice_without_max_choices(self) -> None:
        text = small(("        max_choices: 2\n", ""))
        assert problems_of(text) == [
            (PRIORITIES, "multi_choice needs max_choices of 1 or more", line_of(text, "priorities"))
        ]

    def test_max_choices_above_the_options(self) -> None:
        text = small(("max_choices: 2", "max_choices: 4"))
        assert [p[:2] for p in problems_of(text)] == [
            (f"{PRIORITIES}.max_choices", "max_choices is larger than the number of options")
        ]

    def test_satisfied_code_not_on_the_scale(self) -> None:
        text = small(('satisfied_codes: ["2"]', 'satisfied_codes: ["2", "5"]'))
        assert problems_of(text) == [
            (
                "settings.satisfied_codes",
                "'5' is not on the scale",
                line_of(text, "satisfied_codes"),
            )
        ]

    def test_bad_yaml_syntax_names_line_and_column(self) -> None:
        text = small(('  satisfied_codes: ["2"]', '  satisfied_codes: ["2"'))
        [(place, message, line)] = problems_of(text)
        assert message.startswith("not valid YAML")
        assert line is not None and place.startswith(f"line {line}, column ")
        # PyYAML notices the unclosed list where the next mapping key starts.
        assert line_of(text, "satisfied_codes") <= line <= line_of(text, "satisfied_codes") + 1

    def test_key_written_twice_in_one_mapping(self) -> None:
        # YAML itself would keep the second text silently: the citizen would never see the first.
        text = small(
            (
                '        text: {vi: "Dễ tìm", en: "Easy to find"}',
                '        text: {vi: "Dễ tìm", en: "Easy to find"}\n'
                '        text: {vi: "Khó tìm", en: "Hard to find"}',
            )
        )
        assert problems_of(text) == [
            (
                f"{A1}.text",
                "'text' is written twice; YAML keeps only the last",
                line_of(text, "Khó"),
            )
        ]

    def test_repeated_section_key(self) -> None:
        text = small(("  - key: feedback", "  - key: screening"))
        assert ("sections[2](screening)", "section key 'screening' repeats") in [
            p[:2] for p in problems_of(text)
        ]

    def test_condition_value_that_cannot_be_answered(self) -> None:
        text = small(('equals: "yes"}', 'equals: "maybe"}'))
        assert [p[:2] for p in problems_of(text)] == [
            ("sections[3](E).when", "values ['maybe'] are not answers of 'gave_feedback'")
        ]

    def test_condition_needs_exactly_one_of_equals_and_any_of(self) -> None:
        text = small(('equals: "yes"}', 'equals: "yes", any_of: ["no"]}'))
        assert [p[:2] for p in problems_of(text)] == [
            ("sections[3](E).when", "needs either equals or any_of")
        ]

    def test_criterion_outside_an_element(self) -> None:
        text = small(("    element: A\n", ""))
        places = [p[:2] for p in problems_of(text)]
        assert (A1, "a criterion must sit in a section with an element") in places
        assert (A2, "a criterion must sit in a section with an element") in places

    def test_other_question_inside_an_element(self) -> None:
        text = small(("      - key: A2\n", "      - key: A2\n        kind: yes_no\n"))
        assert [p[:2] for p in problems_of(text)] == [
            (A2, "an element section holds criteria only")
        ]

    def test_criterion_with_its_own_options(self) -> None:
        text = small(
            (
                '        text: {vi: "Sạch sẽ", en: "Clean"}',
                '        text: {vi: "Sạch sẽ", en: "Clean"}\n'
                '        options: [{code: "9", label: {vi: "Chín", en: "Nine"}}]',
            )
        )
        assert [p[0] for p in problems_of(text)] == [f"{A2}.options"]

    def test_yes_no_options_must_be_yes_and_no(self) -> None:
        text = small(
            (
                '        text: {vi: "Có góp ý không?", en: "Any feedback?"}',
                '        text: {vi: "Có góp ý không?", en: "Any feedback?"}\n'
                '        options: [{code: "y", label: {vi: "Có", en: "Yes"}},'
                ' {code: "n", label: {vi: "Không", en: "No"}}]',
            )
        )
        assert [p[0] for p in problems_of(text)] == [
            "sections[2](feedback).questions[0](gave_feedback).options"
        ]

    def test_screening_question_cannot_be_skipped(self) -> None:
        text = small(
            ('screen_out_unless: "yes"', 'screen_out_unless: "yes"\n        required: false')
        )
        assert [p[:2] for p in problems_of(text)] == [
            (
                "sections[0](screening).questions[0](received_result).screen_out_unless",
                "a screening question must be required",
            )
        ]

    def test_option_code_that_would_break_a_list(self) -> None:
        text = small(("{code: P3,", '{code: "P3;P4",'))
        [(place, _message, _line)] = problems_of(text)
        assert place == f"{PRIORITIES}.options[2].code"

    def test_text_without_max_length(self) -> None:
        text = small(("        max_length: 20\n", ""))
        assert [p[:2] for p in problems_of(text)] == [
            (COMMENT, "a text question needs max_length of 1 or more")
        ]

    def test_unknown_field(self) -> None:
        text = small(("max_length: 20", "max_lenght: 20"))
        assert [p[:2] for p in problems_of(text)] == [
            (f"{COMMENT}.max_lenght", "Extra inputs are not permitted")
        ]

    def test_not_a_mapping(self) -> None:
        assert [p[:2] for p in problems_of("- just\n- a list\n")] == [
            ("(top)", "a questionnaire is a mapping")
        ]

    def test_empty_file(self) -> None:
        assert [p[0] for p in problems_of("")] == ["(top)"]

    def test_no_element_at_all(self) -> None:
        with pytest.raises(QuestionnaireError) as caught:
            parse_questionnaire(
                {
                    "code": "x",
                    "title": {"vi": "Phiếu", "en": "Form"},
                    "scale": [
                        {"code": "1", "label": {"vi": "Một", "en": "One"}},
                        {"code": "2", "label": {"vi": "Hai", "en": "Two"}},
                    ],
                    "settings": {"satisfied_codes": ["2"]},
                    "sections": [
                        {
                            "key": "s",
                            "title": {"vi": "Phần", "en": "Part"},
                            "questions": [
                                {"key": "q", "kind": "yes_no", "text": {"vi": "Hỏi", "en": "Ask"}}
                            ],
                        }
                    ],
                }
            )
        assert [(p.place, p.line) for p in caught.value.problems] == [("sections", None)]


class TestAllProblemsAtOnce:
    """An official fixing a file sees every mistake in one run, in the file's order."""

    def test_shape_and_meaning_problems_together(self) -> None:
        text = small(
            ('satisfied_codes: ["2"]', 'satisfied_codes: ["7"]'),
            ("- key: A2", "- key: A1"),
            ('{vi: "Xử lý đúng", en: "Handled well"}', '{vi: "Xử lý đúng"}'),
            ("{question: gave_feedback,", "{question: comment,"),
            ("        max_choices: 2\n", ""),
            ("kind: text", "kind: essay"),
        )
        found = problems_of(text)
        assert [place for place, _message, _line in found] == [
            "settings.satisfied_codes",
            "sections[1](A).questions[1](A1)",
            "sections[3](E).when.question",
            "sections[3](E).questions[0](E1).text.en",
            PRIORITIES,
            f"{COMMENT}.kind",
        ]
        lines = [line or 0 for _place, _message, line in found]
        assert lines == sorted(lines) and 0 not in lines

    def test_error_message_lists_every_problem(self) -> None:
        text = small(("- key: A2", "- key: A1"), ("kind: text", "kind: essay"))
        with pytest.raises(QuestionnaireError) as caught:
            load_questionnaire(text)
        assert len(str(caught.value).splitlines()) == len(caught.value.problems) == 2


class TestFiles:
    def test_builtin_file_loads_from_a_path(self, tmp_path: Path) -> None:
        path = tmp_path / "sipas.yaml"
        path.write_text(builtin_source(), encoding="utf-8")
        assert load_questionnaire(path).code == "sipas-2023"

    def test_byte_order_mark_is_accepted(self, tmp_path: Path) -> None:
        path = tmp_path / "small.yaml"
        path.write_bytes(b"\xef\xbb\xbf" + SMALL.encode("utf-8"))
        assert load_questionnaire(path).code == "small-1"

    def test_file_that_is_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "small.yaml"
        path.write_bytes(SMALL.encode("utf-8").replace("Sạch sẽ".encode(), b"Sach se\xe9"))
        with pytest.raises(QuestionnaireError) as caught:
            load_questionnaire(path)
        [problem] = caught.value.problems
        assert problem.line == line_of(SMALL, "Sạch sẽ")
        assert "UTF-8" in problem.message

"""validate_answer: what each kind of question accepts, and how it is stored."""

from __future__ import annotations

import unicodedata

import pytest

from survey_flows import Invalid, Question, RawAnswer, Valid, validate_answer
from tests.survey_flows.helpers import PROCEDURES, sipas


def check(key: str, raw: RawAnswer, *, procedures: tuple[str, ...] = ()) -> Valid | Invalid:
    return validate_answer(sipas().question(key), raw, procedures=procedures)


def required_copy(key: str) -> Question:
    return sipas().question(key).model_copy(update={"required": True})


class TestCriterion:
    @pytest.mark.parametrize("code", ["1", "2", "3", "4", "5"])
    def test_every_level_of_the_scale(self, code: str) -> None:
        assert check("C1", code) == Valid(code)

    @pytest.mark.parametrize("raw", ["0", "6", "4.5", "Hài lòng", "five", "４"])
    def test_off_the_scale(self, raw: str) -> None:
        assert check("C1", raw) == Invalid("not_an_option")

    def test_surrounding_spaces_are_ignored(self) -> None:
        assert check("C1", " 4 ") == Valid("4")

    @pytest.mark.parametrize("raw", [None, "", "   ", []])
    def test_may_be_left_unanswered(self, raw: RawAnswer) -> None:
        assert check("C1", raw) == Valid(None)

    def test_a_version_may_require_it(self) -> None:
        assert validate_answer(required_copy("C1"), None) == Invalid("required")

    def test_two_levels_at_once(self) -> None:
        assert check("C1", ["4", "5"]) == Invalid("too_many", 1)

    def test_a_single_form_value_in_a_list(self) -> None:
        assert check("C1", ["4"]) == Valid("4")


class TestYesNo:
    @pytest.mark.parametrize("value", ["yes", "no"])
    def test_codes(self, value: str) -> None:
        assert check("gave_feedback", value) == Valid(value)

    @pytest.mark.parametrize("raw", ["có", "Yes", "y", "1", "true"])
    def test_anything_else(self, raw: str) -> None:
        assert check("gave_feedback", raw) == Invalid("not_an_option")

    @pytest.mark.parametrize("raw", [None, "", " "])
    def test_required(self, raw: RawAnswer) -> None:
        assert check("received_result", raw) == Invalid("required")


class TestChoice:
    @pytest.mark.parametrize("code", ["1", "2", "3"])
    def test_harassment_codes(self, code: str) -> None:
        assert check("harassment", code) == Valid(code)

    @pytest.mark.parametrize("raw", ["0", "4", "no", "P1"])
    def test_not_an_option(self, raw: str) -> None:
        assert check("extra_payment", raw) == Invalid("not_an_option")

    def test_required(self) -> None:
        assert check("extra_payment", None) == Invalid("required")

    def test_optional_profile_question_may_be_skipped(self) -> None:
        assert check("age_group", "") == Valid(None)

    def test_profile_codes(self) -> None:
        assert check("age_group", "over_60") == Valid("over_60")
        assert check("education", "Đại học") == Invalid("not_an_option")


class TestMultiChoice:
    def test_joined_codes(self) -> None:
        assert check("priorities", "P1;P4") == Valid("P1;P4")

    def test_list_of_form_values(self) -> None:
        assert check("priorities", ["P7", "P2", "P5"]) == Valid("P7;P2;P5")

    def test_spaces_and_empty_parts_are_ignored(self) -> None:
        assert check("priorities", " P1 ; ;P3 ") == Valid("P1;P3")

    def test_too_many(self) -> None:
        assert check("priorities", "P1;P2;P3;P4") == Invalid("too_many", 3)

    def test_duplicates(self) -> None:
        assert check("priorities", ["P1", "P1"]) == Invalid("duplicate")

    @pytest.mark.parametrize("raw", ["P8", "P1;P0", "p1", "P1,P2"])
    def test_unknown(self, raw: str) -> None:
        assert check("priorities", raw) == Invalid("not_an_option")

    @pytest.mark.parametrize("raw", [None, "", [], ";"])
    def test_optional(self, raw: RawAnswer) -> None:
        assert check("priorities", raw) == Valid(None)

    def test_a_version_may_require_it(self) -> None:
        assert validate_answer(required_copy("priorities"), []) == Invalid("required")


class TestText:
    def test_at_the_limit(self) -> None:
        comment = "ạ" * 1000
        assert check("comment", comment) == Valid(comment)

    def test_over_the_limit(self) -> None:
        assert check("comment", "a" * 1001) == Invalid("too_long", 1000)

    def test_decomposed_letters_count_once(self) -> None:
        # "ệ" typed as e + two combining marks is one letter, as the citizen sees it.
        decomposed = unicodedata.normalize("NFD", "ệ") * 1000
        assert check("comment", decomposed) == Valid("ệ" * 1000)

    def test_control_characters_are_dropped(self) -> None:
        assert check("comment", "Tốt\x00 lắm\x1b") == Valid("Tốt lắm")

    def test_line_breaks_are_kept_and_unified(self) -> None:
        assert check("comment", "Dòng một\r\nDòng hai") == Valid("Dòng một\nDòng hai")

    def test_surrounding_space_is_trimmed(self) -> None:
        assert check("comment", "  Cảm ơn  ") == Valid("Cảm ơn")

    @pytest.mark.parametrize("raw", [None, "", "  \n ", "\x00"])
    def test_optional(self, raw: RawAnswer) -> None:
        assert check("comment", raw) == Valid(None)

    def test_two_comments_at_once(self) -> None:
        assert check("comment", ["một", "hai"]) == Invalid("too_many", 1)


class TestProcedure:
    @pytest.mark.parametrize("code", PROCEDURES)
    def test_the_units_procedures(self, code: str) -> None:
        assert check("procedure", code, procedures=PROCEDURES) == Valid(code)

    def test_other(self) -> None:
        assert check("procedure", "other", procedures=PROCEDURES) == Valid("other")

    def test_other_when_the_unit_has_none(self) -> None:
        assert check("procedure", "other") == Valid("other")

    def test_another_units_procedure(self) -> None:
        assert check("procedure", "2.000001", procedures=PROCEDURES) == Invalid("not_an_option")

    def test_required(self) -> None:
        assert check("procedure", "", procedures=PROCEDURES) == Invalid("required")


class TestNotText:
    @pytest.mark.parametrize("key", ["C1", "priorities", "comment", "procedure"])
    def test_items_that_are_not_strings(self, key: str) -> None:
        assert check(key, [4, 5]) == Invalid("not_an_option")  # type: ignore[list-item]

"""Answers typed instead of tapped, as a chat with few buttons per message needs them (Zalo
shows five): unambiguous ones are answers, anything else is not."""

from __future__ import annotations

from functools import cache

import pytest

from bot.chat.typed import Typed, fold, understand
from hailong.survey.steps import Asked, ProcedureChoice
from survey_flows import Questionnaire, load_builtin

PROCEDURES = (
    ProcedureChoice(id=1, code="1.001612", name="Đăng ký khai sinh", field="Hộ tịch"),
    ProcedureChoice(id=2, code="1.004227", name="Chứng thực bản sao", field="Chứng thực"),
)


@cache
def questionnaire() -> Questionnaire:
    return load_builtin()


def asked(key: str) -> Asked:
    form = questionnaire()
    return Asked(
        response_id=1,
        question=form.question(key),
        section=form.section_of(key),
        number=1,
        total=1,
        language="vi",
        procedures=PROCEDURES,
    )


class TestFolding:
    def test_diacritics_case_and_punctuation_go(self) -> None:
        assert fold("  Rất HÀI   lòng! ") == "rat hai long"
        assert fold("Đã nhận") == "da nhan"


class TestTheScale:
    @pytest.mark.parametrize(
        ("typed", "code"),
        [
            ("4", "4"),
            ("hài lòng", "4"),
            ("Hai long", "4"),
            ("rất hài lòng", "5"),
            ("rat hai long", "5"),
            ("khong hai long", "2"),
            ("Very satisfied", "5"),
            ("bình thường.", "3"),
        ],
    )
    def test_a_score_by_number_or_words(self, typed: str, code: str) -> None:
        assert understand(asked("A1"), typed) == Typed(code)

    @pytest.mark.parametrize("typed", ["0", "bỏ qua", "Khong tra loi"])
    def test_zero_or_skip_words_skip(self, typed: str) -> None:
        assert understand(asked("A1"), typed) == Typed(None)

    @pytest.mark.parametrize("typed", ["6", "hài", "lòng lắm", "4 5", "ok"])
    def test_anything_unclear_is_no_answer(self, typed: str) -> None:
        assert understand(asked("A1"), typed) is None


class TestOtherKinds:
    @pytest.mark.parametrize(
        ("typed", "code"), [("có", "yes"), ("Da nhan", "yes"), ("chưa", "no"), ("không", "no")]
    )
    def test_yes_and_no(self, typed: str, code: str) -> None:
        assert understand(asked("received_result"), typed) == Typed(code)

    def test_a_choice_by_its_place_when_its_codes_are_words(self) -> None:
        first = questionnaire().question("respondent_type").options[0].code
        assert understand(asked("respondent_type"), "1") == Typed(first)

    def test_several_choices_at_once(self) -> None:
        assert understand(asked("priorities"), "p1, P4") == Typed(["P1", "P4"])
        assert understand(asked("priorities"), "p1 p9") is None

    def test_a_procedure_by_name_or_code_or_another(self) -> None:
        assert understand(asked("procedure"), "dang ky khai sinh") == Typed("1.001612")
        assert understand(asked("procedure"), "1.004227") == Typed("1.004227")
        assert understand(asked("procedure"), "Thủ tục khác") == Typed("other")
        assert understand(asked("procedure"), "khai sinh") is None

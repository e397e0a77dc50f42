"""Every chat message fits a phone's screen, buttons included, and a criterion's scale is one
row of buttons: the citizen never scrolls to find the answers."""

from __future__ import annotations

from functools import cache

import pytest

from bot.chat import screens, words
from bot.chat.screens import Screen
from hailong.i18n import Catalogs
from hailong.survey.steps import Asked, ProcedureChoice
from survey_flows import Question, QuestionKind, Questionnaire, load_builtin

# A 360×740 phone shows a chat's messages between the status bar, the app's bar and the
# typing box: about 610 px. A message's text wraps at about 36 characters in 21 px lines (a
# bubble of some 290 px in the phone's own font); a row of inline buttons takes about 46 px.
SCREEN = 610
CHARS_PER_LINE = 36
LINE = 21
BUTTON_ROW = 46
# A long list of the unit's procedures, with long names, shown a page at a time.
PROCEDURES = tuple(
    ProcedureChoice(
        id=index,
        code=f"1.00{index:04d}",
        name=f"Thủ tục đăng ký, cấp lại, điều chỉnh giấy chứng nhận số {index}",
        field="Hộ tịch",
    )
    for index in range(40)
)


@cache
def questionnaire() -> Questionnaire:
    return load_builtin()


@cache
def catalogs() -> Catalogs:
    return Catalogs("bot")


def asked(question: Question, language: str) -> Asked:
    form = questionnaire()
    return Asked(
        response_id=123456,
        question=question,
        section=form.section_of(question.key),
        number=27,
        total=30,
        language=language,
        procedures=PROCEDURES if question.kind is QuestionKind.procedure else (),
    )


def height(screen: Screen) -> int:
    lines = sum(max(1, -(-len(line) // CHARS_PER_LINE)) for line in screen.text.split("\n"))
    return lines * LINE + len(screen.buttons) * BUTTON_ROW


@pytest.mark.parametrize("language", ["vi", "en"])
class TestEveryMessageFitsAPhone:
    def test_the_first_question_with_the_welcome_before_it(self, language: str) -> None:
        _ = catalogs().get(language).gettext
        lead = words.welcome("Ủy ban nhân dân Phường Ngô Quyền, Thành phố Hải Phòng", _)
        first = questionnaire().questions()[0]
        shown = screens.question_screen(asked(first, language), _, lead=lead)
        assert height(shown) <= SCREEN, height(shown)

    def test_each_question_as_asked_again_after_a_return(self, language: str) -> None:
        _ = catalogs().get(language).gettext
        lead = words.welcome_back(_)
        for question in questionnaire().questions():
            shown = screens.question_screen(asked(question, language), _, lead=lead)
            assert height(shown) <= SCREEN, (question.key, height(shown), shown.text)
            answered = screens.answered_screen(asked(question, language), None, _)
            assert height(answered) <= SCREEN, question.key

    def test_a_criterion_is_one_row_of_numbers_and_a_skip(self, language: str) -> None:
        _ = catalogs().get(language).gettext
        question = questionnaire().question("C1")
        shown = screens.question_screen(asked(question, language), _)
        scale, skip = shown.buttons
        assert [button.label for button in scale] == ["1", "2", "3", "4", "5"]
        assert [button.label for button in skip] == [_("Skip")]
        # The numbers' words are in the message, least satisfied first.
        very_bad, very_good = (question.option(code) for code in ("1", "5"))
        assert very_bad is not None and very_good is not None
        legend = shown.text.rsplit("\n", 1)[-1]
        assert legend.startswith(f"1 {very_bad.label.get(language)}")
        assert legend.endswith(f"5 {very_good.label.get(language)}")
        # Each number answers with its own score.
        taps = [button.payload for button in scale]
        chosen = [question.options[int(tap.choice)].code for tap in taps]  # type: ignore[union-attr]
        assert chosen == ["1", "2", "3", "4", "5"]

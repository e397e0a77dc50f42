"""The default version `sipas-2023` is the methodology's questionnaire, word for word."""

from __future__ import annotations

import unicodedata

from survey_flows import Label, QuestionKind
from tests.survey_flows.helpers import PROFILE, sipas

# The methodology's table (shared/sipas-methodology.md), element by element.
ELEMENTS = {
    "A": "Tiếp cận dịch vụ",
    "B": "Thủ tục hành chính",
    "C": "Công chức trực tiếp giải quyết công việc",
    "D": "Kết quả giải quyết thủ tục hành chính",
    "E": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
}
CRITERIA = {
    "A1": "Cơ quan cung cấp thông tin về việc giải quyết thủ tục hành chính theo nhiều hình thức, "
    "dễ tiếp cận, dễ hiểu đối với mọi người dân.",
    "A2": "Trụ sở cơ quan tiếp nhận hồ sơ, trả kết quả giải quyết thủ tục hành chính có biển hiệu, "
    "hướng dẫn rõ ràng, dễ thấy.",
    "A3": "Trụ sở cơ quan tiếp nhận hồ sơ, trả kết quả giải quyết thủ tục hành chính sạch sẽ, "
    "văn minh.",
    "A4": "Trang thiết bị phục vụ người dân đầy đủ, chất lượng tốt, giúp người dân giải quyết "
    "công việc dễ dàng hơn.",
    "B1": "Quy định thủ tục hành chính được niêm yết công khai tại trụ sở cơ quan tiếp nhận hồ sơ, "
    "trả kết quả giải quyết thủ tục hành chính dễ thấy, dễ hiểu.",
    "B2": "Thành phần hồ sơ người dân phải nộp là đúng quy định.",
    "B3": "Mức phí/lệ phí người dân phải nộp là đúng quy định.",
    "B4": "Thời hạn giải quyết thủ tục hành chính cho người dân là đúng quy định.",
    "C1": "Công chức có thái độ giao tiếp lịch sự, tôn trọng đối với người dân.",
    "C2": "Công chức cung cấp thông tin, trả lời kịp thời, đầy đủ các câu hỏi, ý kiến của "
    "người dân.",
    "C3": "Công chức hướng dẫn hồ sơ dễ hiểu, đảm bảo người dân có thể hoàn thiện hồ sơ sau "
    "một lần hướng dẫn.",
    "C4": "Công chức tuân thủ đúng quy định trong giải quyết công việc cho người dân.",
    "C5": "Công chức tận tình đối với người dân trong quá trình giải quyết công việc.",
    "D1": "Kết quả giải quyết thủ tục hành chính cho người dân được trả đúng hẹn.",
    "D2": "Kết quả giải quyết thủ tục hành chính cho người dân có thông tin đầy đủ, chính xác.",
    "D3": "Kết quả giải quyết thủ tục hành chính cho người dân đảm bảo tính công bằng.",
    "E1": "Cơ quan có bố trí hình thức tiếp nhận phản ánh, kiến nghị, giúp người dân phản ánh, "
    "kiến nghị dễ dàng.",
    "E2": "Cơ quan tiếp nhận, xử lý phản ánh, kiến nghị của người dân đúng quy định.",
    "E3": "Cơ quan thông báo kết quả xử lý phản ánh, kiến nghị cho người dân kịp thời.",
}
# Letters that only Vietnamese uses: an English label holding one is a swapped language.
VIETNAMESE_ONLY = set("ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def all_labels() -> list[tuple[str, Label]]:
    questionnaire = sipas()
    labels: list[tuple[str, Label]] = [("title", questionnaire.title)]
    labels += [(f"scale {o.code}", o.label) for o in questionnaire.scale]
    for section in questionnaire.sections:
        labels.append((section.key, section.title))
        if section.intro:
            labels.append((f"{section.key} intro", section.intro))
        for question in section.questions:
            labels.append((question.key, question.text))
            labels += [(f"{question.key}={o.code}", o.label) for o in question.options]
    return labels


class TestShape:
    def test_nineteen_criteria_in_five_elements(self) -> None:
        elements = sipas().elements()
        assert [(e.code, len(e.criteria)) for e in elements] == [
            ("A", 4),
            ("B", 4),
            ("C", 5),
            ("D", 3),
            ("E", 3),
        ]
        assert sipas().criteria_keys() == list(CRITERIA)

    def test_criteria_are_worded_as_in_the_methodology(self) -> None:
        questionnaire = sipas()
        assert {key: questionnaire.question(key).text.vi for key in CRITERIA} == CRITERIA

    def test_element_titles(self) -> None:
        assert {e.code: e.label.vi for e in sipas().elements()} == ELEMENTS

    def test_order_of_sections(self) -> None:
        assert [s.key for s in sipas().sections] == [
            "screening",
            "procedure",
            "A",
            "B",
            "C",
            "D",
            "feedback",
            "E",
            "conduct",
            "improve",
            "profile",
        ]

    def test_scale_five_to_one(self) -> None:
        scale = sipas().scale
        assert [(o.code, o.label.vi) for o in scale] == [
            ("5", "Rất hài lòng"),
            ("4", "Hài lòng"),
            ("3", "Bình thường"),
            ("2", "Không hài lòng"),
            ("1", "Rất không hài lòng"),
        ]
        assert sipas().settings.satisfied_codes == ("4", "5")
        assert sipas().settings.element_rule == "mean_of_criteria"

    def test_criteria_may_be_left_unanswered(self) -> None:
        assert not any(sipas().question(key).is_required for key in CRITERIA)


class TestOtherQuestions:
    def test_screening_comes_first_and_ends_on_no(self) -> None:
        first = sipas().questions()[0]
        assert (first.key, first.kind, first.screen_out_unless) == (
            "received_result",
            QuestionKind.yes_no,
            "yes",
        )
        assert first.is_required

    def test_procedure_comes_second(self) -> None:
        question = sipas().questions()[1]
        assert (question.key, question.kind, question.is_required) == (
            "procedure",
            QuestionKind.procedure,
            True,
        )
        assert question.option_codes() == ("other",)

    def test_element_e_follows_feedback_yes_only(self) -> None:
        keys = [q.key for q in sipas().questions()]
        assert keys.index("gave_feedback") < keys.index("E1")
        section_e = sipas().section("E")
        assert section_e.when is not None
        assert (section_e.when.question, section_e.when.accepted()) == ("gave_feedback", ("yes",))

    def test_harassment_and_extra_payment_one_to_three(self) -> None:
        for key in ("harassment", "extra_payment"):
            question = sipas().question(key)
            assert (question.kind, question.option_codes()) == (
                QuestionKind.choice,
                ("1", "2", "3"),
            )
            assert question.is_required

    def test_priorities_up_to_three_of_seven(self) -> None:
        question = sipas().question("priorities")
        assert question.kind is QuestionKind.multi_choice
        assert question.option_codes() == tuple(f"P{n}" for n in range(1, 8))
        assert question.max_choices == 3
        assert not question.is_required

    def test_comment_optional_up_to_a_thousand_characters(self) -> None:
        question = sipas().question("comment")
        assert (question.kind, question.max_length, question.is_required) == (
            QuestionKind.text,
            1000,
            False,
        )

    def test_profile_is_optional_and_last(self) -> None:
        keys = [q.key for q in sipas().questions()]
        assert tuple(keys[-4:]) == PROFILE
        assert not any(sipas().question(key).is_required for key in PROFILE)
        codes = {key: sipas().question(key).option_codes() for key in PROFILE}
        assert codes == {
            "respondent_type": ("individual", "organisation", "resident"),
            "gender": ("male", "female", "other"),
            "age_group": ("18_24", "25_34", "35_49", "50_60", "over_60"),
            "education": (
                "primary",
                "lower_secondary",
                "upper_secondary",
                "vocational",
                "university",
                "postgraduate",
            ),
        }

    def test_every_question_of_the_csv_format(self) -> None:
        # The methodology's CSV columns that are questions: none may be missing or extra.
        csv_questions = (
            "procedure respondent_type gender age_group education received_result gave_feedback "
            "A1 A2 A3 A4 B1 B2 B3 B4 C1 C2 C3 C4 C5 D1 D2 D3 E1 E2 E3 harassment extra_payment "
            "priorities comment"
        ).split()
        assert sorted(q.key for q in sipas().questions()) == sorted(csv_questions)


class TestLabels:
    def test_vietnamese_is_composed_unicode(self) -> None:
        # A decomposed "ế" looks right on screen but breaks search and CSV comparisons.
        broken = [
            where for where, label in all_labels() if not unicodedata.is_normalized("NFC", label.vi)
        ]
        assert broken == []

    def test_vietnamese_sentences_carry_their_diacritics(self) -> None:
        bare = [
            where
            for where, label in all_labels()
            if len(label.vi.split()) >= 3 and label.vi.isascii()
        ]
        assert bare == []

    def test_english_holds_no_vietnamese(self) -> None:
        swapped = [where for where, label in all_labels() if VIETNAMESE_ONLY & set(label.en)]
        assert swapped == []

    def test_languages_differ(self) -> None:
        # Codes such as "18–24" aside, a label copied unchanged into both languages is untranslated.
        same = [
            where
            for where, label in all_labels()
            if label.vi == label.en and any(ch.isalpha() for ch in label.vi)
        ]
        assert same == []

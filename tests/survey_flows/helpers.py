"""Shared by the survey engine tests: the default version, and a small one to break."""

from __future__ import annotations

import textwrap
from functools import cache

from survey_flows import Questionnaire, QuestionnaireError, load_builtin, load_questionnaire

PROCEDURES = ("1.001234", "1.004567")
PROFILE = ("respondent_type", "gender", "age_group", "education")


@cache
def sipas() -> Questionnaire:
    return load_builtin("sipas-2023")


def criteria_answers(questionnaire: Questionnaire, value: str = "4") -> dict[str, str | None]:
    return {key: value for key in questionnaire.criteria_keys() if not key.startswith("E")}


def through_feedback(feedback: str) -> dict[str, str | None]:
    """A typical citizen up to and including the feedback question."""
    return {
        "received_result": "yes",
        "procedure": "other",
        **criteria_answers(sipas()),
        "gave_feedback": feedback,
    }


# A small valid questionnaire; tests break one line of it at a time.
SMALL = textwrap.dedent(
    """\
    code: small-1
    title: {vi: "Phiếu nhỏ", en: "Small form"}
    settings:
      satisfied_codes: ["2"]
    scale:
      - {code: "2", label: {vi: "Hài lòng", en: "Satisfied"}}
      - {code: "1", label: {vi: "Không hài lòng", en: "Dissatisfied"}}
    sections:
      - key: screening
        title: {vi: "Sàng lọc", en: "Screening"}
        questions:
          - key: received_result
            kind: yes_no
            screen_out_unless: "yes"
            text: {vi: "Đã nhận kết quả chưa?", en: "Received?"}
      - key: A
        element: A
        title: {vi: "Tiếp cận", en: "Access"}
        questions:
          - key: A1
            text: {vi: "Dễ tìm", en: "Easy to find"}
          - key: A2
            text: {vi: "Sạch sẽ", en: "Clean"}
      - key: feedback
        title: {vi: "Góp ý", en: "Feedback"}
        questions:
          - key: gave_feedback
            kind: yes_no
            text: {vi: "Có góp ý không?", en: "Any feedback?"}
      - key: E
        element: E
        when: {question: gave_feedback, equals: "yes"}
        title: {vi: "Xử lý góp ý", en: "Handling feedback"}
        questions:
          - key: E1
            text: {vi: "Xử lý đúng", en: "Handled well"}
      - key: improve
        title: {vi: "Cải thiện", en: "Improve"}
        questions:
          - key: priorities
            kind: multi_choice
            max_choices: 2
            required: false
            text: {vi: "Cần cải thiện gì?", en: "What to improve?"}
            options:
              - {code: P1, label: {vi: "Thông tin", en: "Information"}}
              - {code: P2, label: {vi: "Trụ sở", en: "Premises"}}
              - {code: P3, label: {vi: "Thái độ", en: "Attitude"}}
          - key: comment
            kind: text
            max_length: 20
            required: false
            text: {vi: "Ý kiến khác", en: "Anything else"}
    """
)


def small(*edits: tuple[str, str]) -> str:
    """SMALL with (old, new) edits applied; each old text must occur exactly once."""
    text = SMALL
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def problems_of(text: str) -> list[tuple[str, str, int | None]]:
    try:
        load_questionnaire(text)
    except QuestionnaireError as error:
        return [(p.place, p.message, p.line) for p in error.problems]
    raise AssertionError("the questionnaire loaded without problems")


def lines_of(text: str, fragment: str) -> list[int]:
    """1-based numbers of the lines containing `fragment`."""
    return [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]


def line_of(text: str, fragment: str) -> int:
    """1-based line of the only line containing `fragment`."""
    [line] = lines_of(text, fragment)
    return line

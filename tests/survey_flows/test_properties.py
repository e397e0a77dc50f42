"""Properties of the engine over every path a citizen can take through sipas-2023."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_flows import (
    Invalid,
    Question,
    QuestionKind,
    RawAnswer,
    SurveyStatus,
    Valid,
    applicable_questions,
    load_builtin,
    next_question,
    progress,
    stale_answers,
    status,
    validate_answer,
)
from survey_flows.engine import possible_questions
from tests.survey_flows.helpers import PROCEDURES, sipas

Answers = dict[str, str | None]
REASONS = {"required", "not_an_option", "too_long", "too_many", "duplicate"}
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyạệốờửẫ"  # precomposed: NFC keeps their count
BLANKS = st.sampled_from([None, "", "   ", [], [""]])
# One example is a whole survey of some thirty answers: its time varies with the machine's load,
# and a deadline would only make the run flaky.
WHOLE_SURVEYS = settings(deadline=None)


def answer_codes(question: Question) -> tuple[str, ...]:
    if question.kind is QuestionKind.procedure:
        return (*PROCEDURES, "other")
    return question.option_codes()


def padded(code: str) -> st.SearchStrategy[RawAnswer]:
    # The same answer as a web form, a chat callback or a hand-typed cell might send it.
    return st.sampled_from([code, f" {code} ", [code]])


@cache
def valid_raw(question: Question) -> st.SearchStrategy[RawAnswer]:
    # Cached: building strategies afresh for each of thirty draws dominated the run time.
    if question.kind is QuestionKind.text:
        limit = question.max_length or 0
        # NFC can lengthen a few rare characters up to three times; the limit itself is unit-tested.
        value: st.SearchStrategy[RawAnswer] = st.text(max_size=min(limit // 3, 200))
    elif question.kind is QuestionKind.multi_choice:
        picks = st.lists(
            st.sampled_from(question.option_codes()),
            unique=True,
            min_size=1,
            max_size=question.max_choices or 1,
        )
        value = st.one_of(picks, picks.map(";".join))
    else:
        value = st.sampled_from(answer_codes(question)).flatmap(padded)
    return value if question.is_required else st.one_of(BLANKS, value)


@cache
def invalid_raw(question: Question) -> st.SearchStrategy[RawAnswer]:
    # Not text at all (a broken client): typed loosely on purpose.
    not_text: st.SearchStrategy[Any] = st.lists(st.integers(), min_size=1)
    junk = [not_text]
    if question.is_required:
        junk.append(BLANKS)
    if question.kind is QuestionKind.multi_choice:
        junk += _bad_choices(question)
    else:
        junk.append(st.lists(st.text(min_size=1).filter(str.strip), min_size=2, max_size=4))
    if question.kind is QuestionKind.text:
        limit = question.max_length or 0
        junk.append(st.text(alphabet=LETTERS, min_size=limit + 1, max_size=limit + 30))
    elif question.kind is not QuestionKind.multi_choice:
        codes = answer_codes(question)
        junk.append(st.text(min_size=1).filter(lambda s: s.strip() and s.strip() not in codes))
    return st.one_of(junk)


def _bad_choices(question: Question) -> list[st.SearchStrategy[RawAnswer]]:
    codes = question.option_codes()
    limit = question.max_choices or len(codes)
    unknown = st.text(min_size=1).filter(
        lambda s: ";" not in s and s.strip() and s.strip() not in codes
    )
    known = st.sampled_from(codes)
    return [
        st.lists(known, min_size=1, max_size=limit - 1).flatmap(
            lambda picks: st.permutations([*picks, picks[0]])
        ),
        st.tuples(st.lists(known, max_size=limit - 1, unique=True), unknown).map(
            lambda pair: [*pair[0], pair[1]]
        ),
        st.lists(known, unique=True, min_size=limit + 1, max_size=len(codes)),
    ]


def answer_one(data: st.DataObject, question: Question) -> str | None:
    result = validate_answer(
        question, data.draw(valid_raw(question), label=question.key), procedures=PROCEDURES
    )
    assert isinstance(result, Valid), (question.key, result)
    return result.value


def follow_engine(data: st.DataObject, answers: Answers, *, steps: int | None = None) -> Answers:
    """Answer what the engine asks, as an adapter does, until it stops (or `steps` answers)."""
    bound = len(sipas().questions()) + 1
    for _ in range(bound if steps is None else steps):
        question = next_question(sipas(), answers)
        if question is None:
            return answers
        answers[question.key] = answer_one(data, question)
    assert steps is not None, f"no end after {bound} answers"
    return answers


class TestValidAnswersEnd:
    @WHOLE_SURVEYS
    @given(st.data())
    def test_ends_completed_or_screened_out(self, data: st.DataObject) -> None:
        answers = follow_engine(data, {})
        assert next_question(sipas(), answers) is None
        final = status(sipas(), answers)
        assert final in (SurveyStatus.completed, SurveyStatus.screened_out)
        assert (final is SurveyStatus.completed) == (answers["received_result"] == "yes")

    @WHOLE_SURVEYS
    @given(st.data())
    def test_element_e_answered_iff_feedback_given(self, data: st.DataObject) -> None:
        answers = follow_engine(data, {})
        if status(sipas(), answers) is SurveyStatus.completed:
            feedback = answers["gave_feedback"] == "yes"
            assert all((key in answers) == feedback for key in ("E1", "E2", "E3"))


class TestInvalidAnswersDoNotAdvance:
    @WHOLE_SURVEYS
    @given(st.data())
    def test_refused_and_the_same_question_comes_back(self, data: st.DataObject) -> None:
        steps = data.draw(st.integers(0, len(sipas().questions())), label="steps")
        answers = follow_engine(data, {}, steps=steps)
        question = next_question(sipas(), answers)
        if question is None:
            return
        before = progress(sipas(), answers)
        raw = data.draw(invalid_raw(question), label="junk")
        result = validate_answer(question, raw, procedures=PROCEDURES)
        assert isinstance(result, Invalid), (question.key, raw, result)
        assert result.reason in REASONS
        assert (result.limit is not None) == (result.reason in ("too_long", "too_many"))
        # An adapter stores only what the engine accepted, so nothing moves on.
        assert next_question(sipas(), answers) == question
        assert progress(sipas(), answers) == before


class TestProgress:
    @WHOLE_SURVEYS
    @given(st.data())
    def test_never_goes_back_and_ends_at_the_total(self, data: st.DataObject) -> None:
        answers: Answers = {}
        seen = [progress(sipas(), answers)]
        while (question := next_question(sipas(), answers)) is not None:
            answers[question.key] = answer_one(data, question)
            seen.append(progress(sipas(), answers))
        numbers = [number for number, _total in seen]
        assert numbers == sorted(numbers)
        assert all(1 <= number <= total for number, total in seen)
        assert seen[-1][0] == seen[-1][1]


class TestNoStaleAnswers:
    @WHOLE_SURVEYS
    @given(st.data())
    def test_following_the_engine_leaves_nothing_stale(self, data: st.DataObject) -> None:
        answers: Answers = {}
        while (question := next_question(sipas(), answers)) is not None:
            answers[question.key] = answer_one(data, question)
            assert stale_answers(sipas(), answers) == set()

    @settings(WHOLE_SURVEYS, max_examples=50)
    @given(st.data())
    def test_going_back_and_changing_an_answer(self, data: st.DataObject) -> None:
        # The web form's "back" link: change any earlier answer, drop what went stale, go on.
        answers = follow_engine(data, {})
        key = data.draw(st.sampled_from(sorted(answers)), label="changed")
        answers[key] = answer_one(data, sipas().question(key))
        for stale in stale_answers(sipas(), answers):
            del answers[stale]
        answers = follow_engine(data, answers)
        assert stale_answers(sipas(), answers) == set()
        final = status(sipas(), answers)
        assert (final is SurveyStatus.completed) == (answers["received_result"] == "yes")


@settings(deadline=None, max_examples=60)
@given(st.data())
def test_a_remembered_path_is_the_path_the_answers_lead_to(data: st.DataObject) -> None:
    # The engine remembers a path by the answers it hangs on (the screening and the feedback
    # question here): every other answer, given or not, must leave it as a fresh walk finds it.
    shared = sipas()  # remembers the paths of every example drawn before this one
    answers: Answers = {}
    for question in shared.questions():
        if data.draw(st.booleans()):
            choices = [None, *(answer_codes(question) or ("Ý kiến",))]
            answers[question.key] = data.draw(st.sampled_from(choices))
    fresh = load_builtin("sipas-2023")  # remembers nothing yet
    for path_of in (applicable_questions, possible_questions):
        assert [q.key for q in path_of(shared, answers)] == [q.key for q in path_of(fresh, answers)]

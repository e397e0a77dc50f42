"""The storage side of answering: idempotent upserts, final states, deduplicated events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Answer, Period, Response, ResponseStatus
from hailong.responses import service as responses
from tests.factories import make_counter, make_period, make_unit

ALL_CRITERIA = {key: "4" for key in "A1 A2 A3 A4 B1 B2 B3 B4 C1 C2 C3 C4 C5 D1 D2 D3".split()}
REST = {
    "gave_feedback": "no",
    "harassment": "1",
    "extra_payment": "1",
    "priorities": "P1;P4",
    "comment": None,
    "respondent_type": "individual",
    "gender": None,
    "age_group": None,
    "education": None,
}


def _start(session: Session) -> responses.SurveyState:
    unit = make_unit(session)
    counter, _ = make_counter(session, unit)
    period = make_period(session)
    response = responses.start(
        session, unit_id=unit.id, counter_id=counter.id, period=period, channel="web"
    )
    return responses.load(session, response)


class TestSaveAnswers:
    def test_whole_survey_completes(self, session: Session) -> None:
        state = _start(session)
        responses.save_answers(session, state, {"received_result": "yes", "procedure": "other"})
        responses.save_answers(session, state, ALL_CRITERIA)
        result = responses.save_answers(session, state, REST)
        assert result == "completed"
        assert state.response.status == ResponseStatus.completed
        assert state.response.submitted_at is not None
        assert responses.stored_answers(session, state.response.id)["A1"] == "4"

    def test_same_answer_twice_is_one_row(self, session: Session) -> None:
        state = _start(session)
        responses.save_answers(session, state, {"received_result": "yes"})
        responses.save_answers(session, state, {"received_result": "yes"})
        count = session.scalar(select(func.count()).select_from(Answer))
        assert count == 1

    def test_changed_feedback_answer_drops_element_e(self, session: Session) -> None:
        state = _start(session)
        responses.save_answers(session, state, {"received_result": "yes", "procedure": "other"})
        responses.save_answers(session, state, {**ALL_CRITERIA, "gave_feedback": "yes"})
        responses.save_answers(session, state, {"E1": "5", "E2": "4"})
        responses.save_answers(session, state, {"gave_feedback": "no"})
        stored = responses.stored_answers(session, state.response.id)
        assert "E1" not in stored and stored["gave_feedback"] == "no"

    def test_screening_no_ends_without_counting(self, session: Session) -> None:
        state = _start(session)
        assert responses.save_answers(session, state, {"received_result": "no"}) == "screened_out"
        with pytest.raises(responses.ResponseFinished):
            responses.save_answers(session, state, {"procedure": "other"})


class TestInboundEvents:
    def test_duplicate_delivery_is_refused(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            assert responses.record_event(session, channel="telegram", event_id="42")
        with sessions.begin() as session:
            assert not responses.record_event(session, channel="telegram", event_id="42")
            assert responses.record_event(session, channel="zalo", event_id="42")

    def test_a_chat_event_is_recorded_with_the_language_the_respondent_chose(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            responses.remember_language(
                session, channel="telegram", respondent_ref="chose", language="en"
            )
        with sessions.begin() as session:
            chose = responses.record_chat_event(
                session, channel="telegram", event_id="7", respondent_ref="chose"
            )
            never = responses.record_chat_event(
                session, channel="telegram", event_id="8", respondent_ref="never-chose"
            )
            other_chat = responses.record_chat_event(
                session, channel="zalo", event_id="9", respondent_ref="chose"
            )
        assert (chose.new, chose.language) == (True, "en")
        assert (never.new, never.language) == (True, None)
        assert (other_chat.new, other_chat.language) == (True, None)
        with sessions.begin() as session:
            again = responses.record_chat_event(
                session, channel="telegram", event_id="7", respondent_ref="chose"
            )
        assert not again.new

    def test_repeated_start_with_public_id_is_one_response(self, session: Session) -> None:
        state = _start(session)
        again = responses.start(
            session,
            unit_id=state.response.unit_id,
            counter_id=state.response.counter_id,
            period=session.scalars(select(Period)).one(),
            channel="web",
            public_id=state.response.public_id,
        )
        assert again.id == state.response.id
        assert session.scalar(select(func.count()).select_from(Response)) == 1

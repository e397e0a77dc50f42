"""The rules the survey session holds for every channel: the counter and the period on every
answer, the start limits, who may resume, and what counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hailong.counters import service as counters
from hailong.counters.service import RevokedCounterCode
from hailong.models import Answer, Channel, ResponseStatus, Tally
from hailong.periods.service import PeriodClosed
from hailong.ratelimit import make_rate_limiter
from hailong.survey import service as survey
from hailong.survey import steps
from hailong.survey.entries import (
    Assignment,
    Browser,
    ChatUser,
    CounterCode,
    CounterNotOfUnit,
    UnknownProcedure,
)
from hailong.survey.service import NO_CHOICE, Gate, TooManyRespondentStarts
from hailong.survey.steps import Finished, Page, Refused
from tests.factories import make_counter, make_unit
from tests.survey.session import SECRET, answer_pages, browser, seed_office
from tests.telegram.plan import PLAN

CHAT = ChatUser(channel=Channel.telegram.value, ref="cd" * 32)


def answers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Answer)) or 0


class TestEveryAnswerChecksTheCounterAndThePeriod:
    def test_a_revoked_counter_stops_a_chat_survey_at_its_next_answer(
        self, session: Session
    ) -> None:
        office = seed_office(session)
        started = survey.start(session, CounterCode(token=office.token), CHAT, secret=SECRET)
        survey.answer_question(session, started.state, "received_result", "yes")
        counters.revoke(session, office.counter)
        before = answers(session)

        with pytest.raises(RevokedCounterCode):
            survey.answer_question(session, started.state, "procedure", "other")
        assert answers(session) == before
        assert started.state.response.status == ResponseStatus.in_progress

    def test_a_revoked_counter_stops_a_web_survey_too(self, session: Session) -> None:
        office = seed_office(session)
        started = survey.start(session, CounterCode(token=office.token), browser(), secret=SECRET)
        counters.revoke(session, office.counter)

        with pytest.raises(RevokedCounterCode):
            survey.answer_page(session, started.state, "screening", {"received_result": ["yes"]})
        assert answers(session) == 0

    def test_a_closed_period_takes_no_more_answers(self, session: Session) -> None:
        office = seed_office(session)
        started = survey.start(session, CounterCode(token=office.token), CHAT, secret=SECRET)
        after_the_end = date(office.period.end_date.year + 1, 1, 2)

        with pytest.raises(PeriodClosed):
            survey.answer_question(
                session, started.state, "received_result", "yes", today=after_the_end
            )
        assert answers(session) == 0


class TestStartLimits:
    def test_a_chat_user_may_start_a_few_surveys_an_hour_at_one_counter(
        self, session: Session
    ) -> None:
        office = seed_office(session)
        gate = Gate(limiter=make_rate_limiter(None, "test:"))
        entry = CounterCode(token=office.token)
        limit = survey.STARTS_PER_RESPONDENT.limit
        for _ in range(limit):
            started = survey.start(session, entry, CHAT, secret=SECRET, gate=gate)
            # Going back to the same counter resumes: not a new start.
            assert survey.start(session, entry, CHAT, secret=SECRET, gate=gate).resumed
            survey.cancel(session, started.state)

        with pytest.raises(TooManyRespondentStarts):
            survey.start(session, entry, CHAT, secret=SECRET, gate=gate)
        # Another citizen at the same counter is not held back.
        other = ChatUser(channel=CHAT.channel, ref="ef" * 32)
        assert not survey.start(session, entry, other, secret=SECRET, gate=gate).resumed

    def test_the_limit_is_per_counter(self, session: Session) -> None:
        office = seed_office(session)
        _, second = make_counter(session, office.unit, name="Quầy số 2")
        gate = Gate(limiter=make_rate_limiter(None, "test:"))
        for _ in range(survey.STARTS_PER_RESPONDENT.limit):
            started = survey.start(
                session, CounterCode(token=office.token), CHAT, secret=SECRET, gate=gate
            )
            survey.cancel(session, started.state)

        there = survey.start(
            session, CounterCode(token=second.token), CHAT, secret=SECRET, gate=gate
        )
        assert there.state.response.counter_id == second.counter_id


class TestWhoMayGoOn:
    def test_a_start_id_from_another_browser_makes_a_response_of_its_own(
        self, session: Session
    ) -> None:
        office = seed_office(session)
        mine = browser()
        started = survey.start(session, CounterCode(token=office.token), mine, secret=SECRET)
        # The start id is in the landing page's HTML; the resume key is not.
        intruder = Browser(start_id=mine.start_id, resume_key="guessed-" + "x" * 30)

        theirs = survey.start(session, CounterCode(token=office.token), intruder, secret=SECRET)

        assert theirs.state.response.id != started.state.response.id
        assert not theirs.resumed
        public_id = started.state.response.public_id
        counter_id = office.counter.id
        assert (
            survey.resume_browser(
                session, public_id=public_id, resume_key=intruder.resume_key, counter_id=counter_id
            )
            is None
        )
        found = survey.resume_browser(
            session, public_id=public_id, resume_key=mine.resume_key, counter_id=counter_id
        )
        assert found is not None and found.response.id == started.state.response.id

    def test_the_same_browser_tapping_twice_makes_one_response(self, session: Session) -> None:
        office = seed_office(session)
        mine = browser()
        first = survey.start(session, CounterCode(token=office.token), mine, secret=SECRET)
        second = survey.start(session, CounterCode(token=office.token), mine, secret=SECRET)
        assert second.resumed and second.state.response.id == first.state.response.id

    def test_an_enumerators_phone_sending_an_interview_again_finds_it(
        self, session: Session
    ) -> None:
        office = seed_office(session)
        entry = Assignment(7, office.unit.id, office.counter.id, str(PLAN["procedure"]))
        phone = browser()
        first = survey.start(session, entry, phone, secret=SECRET)
        answer_pages(session, first.state, PLAN)

        again = survey.start(session, entry, phone, secret=SECRET)

        assert again.state.response.id == first.state.response.id
        assert isinstance(steps.first_page(session, again.state), Finished)


class TestAssignments:
    def test_a_procedure_not_of_the_unit_is_refused(self, session: Session) -> None:
        office = seed_office(session)
        entry = Assignment(7, office.unit.id, office.counter.id, "9.999999")
        with pytest.raises(UnknownProcedure):
            survey.start(session, entry, browser(), secret=SECRET)

    def test_a_counter_of_another_unit_is_refused(self, session: Session) -> None:
        office = seed_office(session)
        other = make_unit(session, code="11414", name="Phường Đông Hải")
        entry = Assignment(7, other.id, office.counter.id, str(PLAN["procedure"]))
        with pytest.raises(CounterNotOfUnit):
            survey.start(session, entry, browser(), secret=SECRET)


class TestEveryCriterionNeedsAChoice:
    def _criteria_page(self, session: Session) -> tuple[survey.SurveyState, Page]:
        office = seed_office(session)
        started = survey.start(session, CounterCode(token=office.token), browser(), secret=SECRET)
        state = started.state
        # Screening and procedure share the first page.
        first = {"received_result": ["yes"], "procedure": ["other"]}
        step = survey.answer_page(session, state, "screening", first)
        assert isinstance(step, Page) and step.section.key == "A"
        return state, step

    def test_a_criteria_page_sent_empty_is_refused_and_stores_nothing(
        self, session: Session
    ) -> None:
        state, page = self._criteria_page(session)
        before = answers(session)

        step = survey.answer_page(session, state, "A", {})

        assert isinstance(step, Refused)
        assert {k: v.reason for k, v in step.problems.items()} == {
            q.key: NO_CHOICE for q in page.questions
        }
        assert answers(session) == before

    def test_i_prefer_not_to_answer_is_an_explicit_choice(self, session: Session) -> None:
        state, page = self._criteria_page(session)

        step = survey.answer_page(session, state, "A", {q.key: [""] for q in page.questions})

        assert isinstance(step, Page) and step.section.key == "C"  # elements A and B were one page
        assert all(state.answers[q.key] is None for q in page.questions)

    def test_a_form_that_rates_no_criterion_is_kept_but_not_counted(self, session: Session) -> None:
        office = seed_office(session)
        started = survey.start(session, CounterCode(token=office.token), browser(), secret=SECRET)
        criteria = set(started.state.questionnaire.criteria_keys())
        unrated = {key: (None if key in criteria else value) for key, value in PLAN.items()}

        step = answer_pages(session, started.state, unrated)

        assert step.status == ResponseStatus.unrated
        assert started.state.response.submitted_at is not None
        assert session.scalar(select(func.count()).select_from(Tally)) == 0
        assert started.state.answers["comment"] == PLAN["comment"]

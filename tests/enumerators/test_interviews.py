"""An enumerator's interviews: stored once however often sent, never at their own unit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.audit.service import Who
from hailong.enumerators import service
from hailong.enumerators.interviews import Interview, InterviewRefused, Recorded, record
from hailong.models import Account, Answer, Response, ResponseStatus, Unit
from hailong.models.base import utcnow
from tests.conftest import TEST_SECRET
from tests.enumerators.conftest import Field, interview


def responses(sessions: sessionmaker[Session]) -> list[Response]:
    with sessions() as session:
        return list(session.scalars(select(Response)))


def send(sessions: sessionmaker[Session], field: Field, sent: Interview) -> Recorded:
    with sessions.begin() as session:
        return record(session, sent, enumerator_id=field.enumerator_id, secret=TEST_SECRET)


class TestOnce:
    def test_an_interview_is_stored_with_its_enumerator_and_channel(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        started = utcnow() - timedelta(hours=2)
        sent = interview(field, started_at=started, finished_at=started + timedelta(minutes=7))

        recorded = send(sessions, field, sent)

        [response] = responses(sessions)
        assert recorded.created and response.status == ResponseStatus.completed
        assert response.channel == "interview" and response.enumerator_id == field.enumerator_id
        assert response.procedure_code == "1.004227"
        assert response.submitted_at is not None
        took = response.submitted_at - response.started_at
        assert took == timedelta(minutes=7)

    def test_the_same_interview_sent_again_changes_nothing(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        sent = interview(field)
        send(sessions, field, sent)

        again = send(sessions, field, sent)
        third = send(sessions, field, sent)

        assert not again.created and not third.created
        assert len(responses(sessions)) == 1

    def test_refused_answers_store_nothing(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        answers = {**interview(field).answers, "A1": "9"}

        with pytest.raises(InterviewRefused) as refused:
            send(sessions, field, interview(field, answers=answers))

        assert set(refused.value.problems) == {"A1"}
        assert responses(sessions) == []
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Answer)) == 0


class TestOwnUnit:
    def test_an_interview_at_one_s_own_unit_is_refused(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        sent = interview(field, unit_id=field.own_unit, counter_id=field.own_counter)

        with pytest.raises(service.OwnUnit):
            send(sessions, field, sent)

        assert responses(sessions) == []

    def test_assigning_one_s_own_unit_is_refused(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        with sessions() as session:
            account = session.get_one(Account, field.enumerator_id)
            unit = session.get_one(Unit, field.own_unit)
            with pytest.raises(service.OwnUnit):
                service.assign(session, account, unit, by=Who.console())

    def test_an_unassigned_unit_is_refused(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        with sessions.begin() as session:
            account = session.get_one(Account, field.enumerator_id)
            unit = session.get_one(Unit, field.assigned_unit)
            service.unassign(session, account, unit, by=Who.console())

        with pytest.raises(service.NotAssigned):
            send(sessions, field, interview(field))

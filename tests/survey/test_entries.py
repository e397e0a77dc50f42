"""One survey, four ways in: a counter's QR code (the web form), an e-mail invitation, an
enumerator's assignment and a chat's code, all through the one survey session, on SQLite and
PostgreSQL. The rows they leave differ only where the way in does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.models import Answer, Channel, Invitation, Response, ResponseStatus, Tally
from hailong.survey import invitations
from hailong.survey import service as survey
from hailong.survey.entries import Assignment, ChatUser, CounterCode, InvitationLink
from tests.survey.session import (
    SECRET,
    Office,
    answer_pages,
    answer_questions,
    browser,
    seed_office,
)
from tests.telegram.plan import PLAN

ENUMERATOR = 7


def stored(session: Session, response: Response) -> dict[str, Any]:
    answers = dict(
        session.execute(
            select(Answer.question_key, Answer.value).where(Answer.response_id == response.id)
        ).all()
    )
    tallies = session.execute(
        select(Tally.counter_id, Tally.procedure_code, Tally.counts).where(
            Tally.channel == response.channel
        )
    ).all()
    return {
        "status": response.status,
        "unit": response.unit_id,
        "period": response.period_id,
        "procedure": response.procedure_code,
        "answers": answers,
        # Counter aside (an invitation has none), each way in counts the same answers.
        "tallies": [(procedure, counts) for _, procedure, counts in tallies],
    }


def by_counter(session: Session, office: Office) -> Response:
    started = survey.start(session, CounterCode(token=office.token), browser(), secret=SECRET)
    answer_pages(session, started.state, PLAN)
    return started.state.response


def by_invitation(session: Session, office: Office) -> Response:
    made = invitations.invite(
        session,
        secret=SECRET,
        dossier_id="000.00.15.H37-261201-0001",
        unit=office.unit,
        procedure_code=str(PLAN["procedure"]),
        period=office.period,
    )
    started = survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)
    answer_pages(session, started.state, PLAN)
    return started.state.response


def by_assignment(session: Session, office: Office) -> Response:
    entry = Assignment(
        enumerator_id=ENUMERATOR,
        unit_id=office.unit.id,
        counter_id=office.counter.id,
        procedure_code=str(PLAN["procedure"]),
    )
    started = survey.start(session, entry, browser(), secret=SECRET)
    answer_pages(session, started.state, PLAN)
    return started.state.response


def by_chat_code(session: Session, office: Office) -> Response:
    user = ChatUser(channel=Channel.telegram.value, ref="ab" * 32)
    code = f"{office.short_code[:3].lower()} {office.short_code[3:]}"  # as typed in a chat
    started = survey.start(session, CounterCode(short_code=code), user, secret=SECRET)
    answer_questions(session, started.state, PLAN)
    return started.state.response


class TestEveryWayIn:
    def test_each_entry_leaves_the_same_response_rows(self, session: Session) -> None:
        office = seed_office(session)

        responses = {
            "web": by_counter(session, office),
            "email": by_invitation(session, office),
            "interview": by_assignment(session, office),
            "telegram": by_chat_code(session, office),
        }
        session.flush()

        rows = {way: stored(session, response) for way, response in responses.items()}
        expected = {
            "status": ResponseStatus.completed,
            "unit": office.unit.id,
            "period": office.period.id,
            "procedure": PLAN["procedure"],
            "answers": dict(PLAN),
        }
        for way, row in rows.items():
            assert {k: v for k, v in row.items() if k != "tallies"} == expected, way
            assert len(row["tallies"]) == 1, way
        assert len({str(row["tallies"]) for row in rows.values()}) == 1

    def test_each_entry_marks_the_response_with_its_way_in(self, session: Session) -> None:
        office = seed_office(session)

        web = by_counter(session, office)
        email = by_invitation(session, office)
        interview = by_assignment(session, office)
        chat = by_chat_code(session, office)

        assert (web.channel, web.counter_id, web.resume_key_hash is not None) == (
            "web",
            office.counter.id,
            True,
        )
        assert (email.channel, email.counter_id) == ("email", None)
        invitation = session.scalars(select(Invitation)).one()
        assert invitation.response_id == email.id
        assert (interview.channel, interview.counter_id, interview.enumerator_id) == (
            "interview",
            office.counter.id,
            ENUMERATOR,
        )
        assert (chat.channel, chat.counter_id, chat.respondent_ref) == (
            "telegram",
            office.counter.id,
            "ab" * 32,
        )
        assert {web.enumerator_id, email.enumerator_id, chat.enumerator_id} == {None}
